#!/usr/bin/perl

# The admin API: every row of the SPEC table, roles, no escalation, the
# last admin, rotation, pagination, audit, validation, immediate effect on
# the access check, and a write that waits for LMDB's lock without
# stalling the worker.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new(log_level => 'debug');
my @secrets;

$t->cli('account', 'add', '--id', 2, '--org', 1, '--name', 'Two');
$t->cli('workspace', 'add', '--id', 20, '--account', 2, '--name', 'W20');
$t->cli('org', 'add', '--id', 2, '--name', 'Org two');
$t->cli('account', 'add', '--id', 3, '--org', 2, '--name', 'Three');

my $root = $t->create('root-admin', 'credentials:admin',
                      'platform:admin:org', 'profile:read_only:org');
my $other = $t->cli_json('create', '--name', 'org2-admin', '--org', 2,
                         '--grant', 'credentials:admin');
push @secrets, $root->{client_secret}, $other->{client_secret};

$t->start(ApicredTest::standard_conf());

my $adm = $t->token($root);
my $adm2 = $t->token($other);

sub api { $t->admin(@_) }

sub err_is {
    my ($name, $status, $want_status, $body, $field) = @_;
    is($status, $want_status, "$name: $want_status");
    ok($body && defined $body->{error} && defined $body->{error_description},
       "$name: JSON error");
    like($body->{error_description} // '', qr/\Q$field\E/,
         "$name: names \"$field\"") if defined $field;
}

sub create_ok {
    my ($token, $body, $name) = @_;
    my ($st, $b) = api('POST', 'credentials', $token, $body);
    is($st, 201, "$name: 201") or diag(explain($b));
    push @secrets, $b->{client_secret} if $b && $b->{client_secret};
    return $b;
}

# --- authentication of the caller

my ($st, $b, $r) = api('GET', 'credentials');
err_is('no token', $st, 401, $b);
like($r->{headers}{'www-authenticate'}, qr/^Bearer realm="apicred"/,
     'no token: Bearer challenge');
($st, $b) = api('GET', 'credentials', 'x.y.z');
err_is('bad token', $st, 401, $b);
is($b->{error}, 'invalid_token', 'bad token: invalid_token');

my $plain = create_ok($adm, { name => 'plain', grants => [
    { api => 'platform', permission => 'user', accounts => [1] } ] },
    'credential without the credentials API');
($st, $b) = api('GET', 'credentials', $t->token($plain));
err_is('no credentials grant', $st, 403, $b);

# --- create, view, list

my $c = create_ok($adm, { name => 'svc', grants => [
    { api => 'platform', permission => 'user', accounts => [1] },
    { api => 'profile', permission => 'read_only', workspaces => [20] } ] },
    'create');
like($c->{client_secret}, qr/^[A-Za-z0-9_-]{43}$/, 'create: secret shown');
is($c->{org_id}, 1, 'create: the caller\'s org');
ok($c->{active}, 'create: active');
my $id = $c->{client_id};

($st, $b) = api('GET', "credentials/$id", $adm);
is($st, 200, 'view: 200');
ok(!exists $b->{client_secret}, 'view: never the secret');
is_deeply($b->{grants}, $c->{grants}, 'view: grants');
($st, $b) = api('GET', 'credentials/nope', $adm);
err_is('view unknown', $st, 404, $b);

my $tok = $t->token($c);
is($t->get('/platform/x?accountId=1', $tok)->{status}, 200,
   'the new credential works at once');

($st, $b) = api('GET', 'credentials?api=profile', $adm);
my %listed = map { $_->{client_id} => 1 } @{$b->{items}};
ok($listed{$id} && $listed{$root->{client_id}} && !$listed{$plain->{client_id}},
   'list ?api= filters');
($st, $b) = api('GET', 'credentials?org_id=2', $adm);
is_deeply($b->{items}, [], 'list ?org_id= of another org: nothing');
($st, $b) = api('GET', 'credentials?active=maybe', $adm);
err_is('list ?active=maybe', $st, 422, $b, 'active');

# --- pagination across pages, with a stable cursor

create_ok($adm, { name => "page$_", grants => [] }, "page$_") for 1 .. 5;
my (@seen, $after, $pages);
do {
    ($st, $b) = api('GET', 'credentials?limit=2'
                    . (defined $after ? "&after=$after" : ''), $adm);
    is($st, 200, 'page ' . ++$pages);
    ok(@{$b->{items}} <= 2, 'at most limit items');
    push @seen, map { $_->{client_id} } @{$b->{items}};
    $after = $b->{next};
} while (defined $after && $pages < 20);
($st, $b) = api('GET', 'credentials?limit=1000', $adm);
my @all = map { $_->{client_id} } @{$b->{items}};
is_deeply(\@seen, \@all, 'pages add up to the whole list, in order');
is(scalar @all, 8, 'eight credentials in org 1');
ok(!defined $b->{next}, 'last page: next is null');
($st, $b) = api('GET', 'credentials?limit=0', $adm);
err_is('limit=0', $st, 422, $b, 'limit');
($st, $b) = api('GET', 'credentials?limit=1001', $adm);
err_is('limit=1001', $st, 422, $b, 'limit');

# --- edit: effects are immediate

($st, $b) = api('PATCH', "credentials/$id", $adm, { grants => [
    { api => 'platform', permission => 'user', accounts => [2] } ] });
is($st, 200, 'edit grants: 200');
is($t->get('/platform/x?accountId=1', $tok)->{status}, 403,
   'edit: a token that was allowed is now 403');
is($t->get('/platform/x?accountId=2', $tok)->{status}, 200,
   'edit: and the reverse');
($st, $b) = api('PATCH', "credentials/$id", $adm, { name => 'svc2' });
is($b->{name}, 'svc2', 'edit name');
is_deeply($b->{grants}[0]{accounts}, [2], 'edit name keeps the grants');

# --- deactivate, activate

($st, $b) = api('POST', "credentials/$id/deactivate", $adm);
ok($st == 200 && !$b->{active}, 'deactivate');
is($t->get('/platform/x?accountId=2', $tok)->{status}, 401,
   'deactivate: the next request is 401');
is($t->post_json('/oauth/token', { client_id => $id,
   client_secret => $c->{client_secret},
   grant_type => 'client_credentials' })->{status}, 401,
   'deactivate: the token endpoint says invalid_client');
($st, $b) = api('POST', "credentials/$id/activate", $adm);
ok($st == 200 && $b->{active}, 'activate');
is($t->get('/platform/x?accountId=2', $tok)->{status}, 401,
   'activate: tokens from before stay dead');
my $tok2 = $t->token($c);
is($t->get('/platform/x?accountId=2', $tok2)->{status}, 200,
   'activate: a new token works');

# --- rotation

($st, $b) = api('POST', "credentials/$id/rotate", $adm);
is($st, 200, 'rotate: 200');
my $s1 = $b->{client_secret};
push @secrets, $s1;
like($s1, qr/^[A-Za-z0-9_-]{43}$/, 'rotate: new secret shown');
sub token_status {
    my ($secret) = @_;
    return $t->post_json('/oauth/token', { client_id => $id,
        client_secret => $secret, grant_type => 'client_credentials' })
        ->{status};
}
is(token_status($c->{client_secret}), 401, 'rotate: old secret refused');
is(token_status($s1), 200, 'rotate: new secret works');
is($t->get('/platform/x?accountId=2', $tok2)->{status}, 200,
   'rotate: tokens already issued stay valid');

($st, $b) = api('POST', "credentials/$id/rotate", $adm,
                { grace_seconds => 2 });
my $s2 = $b->{client_secret};
push @secrets, $s2;
is(token_status($s1), 200, 'rotate with grace: previous secret still works');
is(token_status($s2), 200, 'rotate with grace: new secret works');
sleep 3.2;
is(token_status($s1), 401, 'rotate with grace: refused after the grace');

($st, $b) = api('POST', "credentials/$id/rotate", $adm,
                { grace_seconds => 604801 });
err_is('grace over 7 days', $st, 422, $b, 'grace_seconds');
($st, $b) = api('POST', "credentials/$id/rotate", $adm,
                { grace_seconds => '10' });
err_is('grace as a string', $st, 422, $b, 'grace_seconds');

# --- delete

($st, $b, $r) = api('DELETE', "credentials/$id", $adm);
is($st, 204, 'delete: 204');
is($r->{content} // '', '', 'delete: no body');
($st) = api('GET', "credentials/$id", $adm);
is($st, 404, 'delete: gone');
is($t->get('/platform/x?accountId=2', $tok2)->{status}, 401,
   'delete: its token is 401');
is(token_status($s2), 401, 'delete: the token endpoint says invalid_client');
($st) = api('DELETE', "credentials/$id", $adm);
is($st, 404, 'delete twice: 404');

# --- the audit trail of that life

my @audit;
$after = undef;
$pages = 0;
do {
    ($st, $b) = api('GET', 'audit?limit=3'
                    . (defined $after ? "&after=$after" : ''), $adm);
    push @audit, @{$b->{items}};
    $after = $b->{next};
} while (defined $after && ++$pages < 50);
my @mine = grep { $_->{target} eq $id } @audit;
is_deeply([ map { $_->{action} } @mine ],
          [ qw(credential.create credential.update credential.update
               credential.deactivate credential.activate credential.rotate
               credential.rotate credential.delete) ],
          'audit: the whole life, oldest first');
is_deeply([ sort keys %{$mine[0]} ],
          [ qw(action actor change seq target time) ], 'audit item shape');
ok(!grep({ $_->{actor} ne $root->{client_id} } @mine),
   'audit: actor is the caller');
my @seqs = map { $_->{seq} } @audit;
ok(!grep({ $seqs[$_] <= $seqs[$_ - 1] } 1 .. $#seqs) && $seqs[0] == 1,
   'audit: oldest first, each page after the last');
is_deeply($mine[1]{change}{grants}{to},
          [{ api => 'platform', permission => 'user', accounts => [2] }],
          'audit: the change of an edit');
ok(!grep({ $t->encode_json($_) =~ /client_secret/ } @audit),
   'audit: never a secret');
($st, $b) = api('GET', 'audit', $adm2);
ok(!grep({ $_->{target} eq $id } @{$b->{items}}),
   'audit: another org does not see it');

# --- roles

my $ro = create_ok($adm, { name => 'reader', grants => [
    { api => 'credentials', permission => 'read_only' } ] }, 'read_only');
my $rot = $t->token($ro);
($st) = api('GET', 'credentials', $rot);
is($st, 200, 'read_only: may list');
($st) = api('GET', 'audit', $rot);
is($st, 200, 'read_only: may read the audit');
($st, $b) = api('POST', 'credentials', $rot, { name => 'x', grants => [] });
err_is('read_only create', $st, 403, $b);
($st) = api('POST', "credentials/$ro->{client_id}/rotate", $rot);
is($st, 403, 'read_only: may not rotate');
($st) = api('DELETE', "credentials/$plain->{client_id}", $rot);
is($st, 403, 'read_only: may not delete');

my $ca = create_ok($adm, { name => 'compliance', grants => [
    { api => 'credentials', permission => 'compliance_admin' },
    { api => 'platform', permission => 'user', accounts => [1] } ] },
    'compliance_admin');
my $cat = $t->token($ca);
create_ok($cat, { name => 'ok', grants => [
    { api => 'platform', permission => 'user', accounts => [1] },
    { api => 'credentials', permission => 'read_only' } ] },
    'compliance_admin grants what it holds');
($st, $b) = api('POST', 'credentials', $cat, { name => 'x', grants => [
    { api => 'platform', permission => 'admin', accounts => [1] } ] });
err_is('escalation: a stronger permission', $st, 403, $b, 'permission');
($st, $b) = api('POST', 'credentials', $cat, { name => 'x', grants => [
    { api => 'platform', permission => 'user', accounts => [2] } ] });
err_is('escalation: a wider scope', $st, 403, $b, 'scope');
($st, $b) = api('POST', 'credentials', $cat, { name => 'x', grants => [
    { api => 'platform', permission => 'user' } ] });
err_is('escalation: the whole org', $st, 403, $b, 'scope');
($st, $b) = api('POST', 'credentials', $cat, { name => 'x', grants => [
    { api => 'credentials', permission => 'admin' } ] });
err_is('escalation: credentials:admin', $st, 403, $b);
($st, $b) = api('POST', 'credentials', $cat, { name => 'x', grants => [
    { api => 'profile', permission => 'read_only', workspaces => [1] } ] });
err_is('escalation: an API it does not hold', $st, 403, $b, 'profile');
($st, $b) = api('PATCH', "credentials/$plain->{client_id}", $cat, {
    grants => [ { api => 'platform', permission => 'admin' } ] });
err_is('escalation through an edit', $st, 403, $b);
($st) = api('POST', "credentials/$plain->{client_id}/deactivate", $cat);
is($st, 200, 'compliance_admin may deactivate');
($st, $b) = api('POST', 'apis', $cat, { slug => 'x', name => 'X',
                level => 'org', permissions => ['a'] });
err_is('compliance_admin changes the catalog', $st, 403, $b);
($st) = api('POST', 'accounts', $cat, { name => 'x' });
is($st, 403, 'compliance_admin may not change the hierarchy');
create_ok($adm, { name => 'anything', grants => [
    { api => 'data_planning', permission => 'admin' } ] },
    'admin may grant anything in its org');

# --- orgs are walls

($st, $b) = api('GET', 'credentials', $adm2);
is_deeply([ map { $_->{client_id} } @{$b->{items}} ], [$other->{client_id}],
          'org 2 sees only its own credentials');
($st) = api('GET', "credentials/$ro->{client_id}", $adm2);
is($st, 404, 'another org\'s credential: 404');
($st) = api('PATCH', "credentials/$ro->{client_id}", $adm2, { name => 'x' });
is($st, 404, 'edit across orgs: 404');
($st) = api('DELETE', "credentials/$ro->{client_id}", $adm2);
is($st, 404, 'delete across orgs: 404');
($st, $b) = api('POST', 'credentials', $adm2, { name => 'x', org_id => 1,
                grants => [] });
err_is('create in another org', $st, 403, $b, 'org_id');
($st, $b) = api('POST', 'credentials', $adm2, { name => 'x', grants => [
    { api => 'platform', permission => 'user', accounts => [1] } ] });
err_is('grant on another org\'s account', $st, 422, $b, 'account');

# --- the last admin

($st, $b) = api('POST', "credentials/$other->{client_id}/deactivate", $adm2);
err_is('last admin: deactivate', $st, 409, $b);
($st, $b) = api('DELETE', "credentials/$other->{client_id}", $adm2);
err_is('last admin: delete', $st, 409, $b);
($st, $b) = api('PATCH', "credentials/$other->{client_id}", $adm2,
                { grants => [] });
err_is('last admin: edited to lose the grant', $st, 409, $b);
is($t->get('/apicred/credentials', $adm2)->{status}, 200,
   'last admin: still works');

# --- catalog

($st, $b) = api('GET', 'apis', $rot);
is_deeply([ map { $_->{slug} } @{$b->{items}} ],
          [qw(credentials data_planning platform profile)], 'apis: list');
($st, $b) = api('POST', 'apis', $adm, { slug => 'billing', name => 'Billing',
                level => 'account', permissions => ['admin', 'viewer'] });
is($st, 201, 'apis: create');
is($b->{level}, 'account', 'apis: created level');
($st) = api('POST', 'apis', $adm, { slug => 'billing', name => 'B',
            level => 'account', permissions => ['a'] });
is($st, 409, 'apis: duplicate slug 409');
($st, $b) = api('GET', 'apis/billing', $adm);
is($b->{name}, 'Billing', 'apis: view');
($st, $b) = api('PATCH', 'apis/billing', $adm, { name => 'Billing API' });
is($b->{name}, 'Billing API', 'apis: edit name');
my $bc = create_ok($adm, { name => 'biller', grants => [
    { api => 'billing', permission => 'viewer', accounts => [1] } ] },
    'grant on a new API');
($st, $b) = api('PATCH', 'apis/billing', $adm, { permissions => ['admin'] });
err_is('apis: removing a permission in use', $st, 409, $b, 'viewer');
($st) = api('DELETE', 'apis/billing', $adm);
is($st, 409, 'apis: delete while granted 409');
api('DELETE', "credentials/$bc->{client_id}", $adm);
($st) = api('DELETE', 'apis/billing', $adm);
is($st, 204, 'apis: delete');
($st) = api('GET', 'apis/billing', $adm);
is($st, 404, 'apis: deleted');
($st) = api('DELETE', 'apis/credentials', $adm);
is($st, 409, 'apis: the credentials API is built in');
($st, $b) = api('POST', 'apis', $adm, { slug => 'Bad Slug', name => 'x',
                level => 'org', permissions => ['a'] });
err_is('apis: bad slug', $st, 422, $b, 'slug');
($st, $b) = api('POST', 'apis', $adm, { slug => 'x', name => 'x',
                level => 'galaxy', permissions => ['a'] });
err_is('apis: bad level', $st, 422, $b, 'level');

# --- hierarchy

($st, $b) = api('POST', 'accounts', $adm, { id => 40, name => 'Forty' });
is($st, 201, 'accounts: create');
is($b->{org_id}, 1, 'accounts: in the caller\'s org');
($st, $b) = api('GET', 'accounts/40', $adm);
is($b->{name}, 'Forty', 'accounts: view');
($st) = api('GET', 'accounts/3', $adm);
is($st, 404, 'accounts: another org\'s is 404');
($st, $b) = api('POST', 'workspaces', $adm, { account_id => 40,
                name => 'W' });
is($st, 201, 'workspaces: create');
my $wid = $b->{id};
($st, $b) = api('GET', 'workspaces?account_id=40', $adm);
is_deeply([ map { $_->{id} } @{$b->{items}} ], [$wid],
          'workspaces: list by account');
($st, $b) = api('GET', "workspaces/$wid", $adm);
is($b->{account_id}, 40, 'workspaces: view');
($st, $b) = api('POST', 'workspaces', $adm, { account_id => 3,
                name => 'W' });
err_is('workspace in another org\'s account', $st, 422, $b, 'account_id');
($st) = api('POST', 'accounts', $adm, { id => 40, name => 'again' });
is($st, 409, 'accounts: duplicate id 409');
($st, $b) = api('GET', 'orgs', $adm);
is_deeply([ map { $_->{id} } @{$b->{items}} ], [1], 'orgs: only its own');
($st, $b) = api('GET', 'orgs/1', $adm);
is($b->{id}, 1, 'orgs: view');
($st, $b) = api('POST', 'orgs', $adm, { name => 'Org three' });
is($st, 201, 'orgs: create');
($st, $b) = api('GET', 'accounts', $adm);
ok(grep({ $_->{id} == 40 } @{$b->{items}}) && !grep({ $_->{id} == 3 }
   @{$b->{items}}), 'accounts: list within the org');

# a grant on the new account covers a workspace added over the API
my $w = create_ok($adm, { name => 'ws-user', grants => [
    { api => 'profile', permission => 'read_only', accounts => [40] } ] },
    'grant on account 40');
is($t->get("/profile/x?workspaceId=$wid", $t->token($w))->{status}, 200,
   'the access check sees the new hierarchy at once');

# --- validation

my @bad = (
    [ 'unknown field', { name => 'x', grants => [], colour => 'red' },
      422, 'colour' ],
    [ 'name of the wrong type', { name => 123, grants => [] }, 422, 'name' ],
    [ 'empty name', { name => '', grants => [] }, 422, 'name' ],
    [ 'name too long', { name => 'n' x 201, grants => [] }, 422, 'name' ],
    [ 'name with a control character', { name => "a\nb", grants => [] },
      422, 'name' ],
    [ 'missing name', { grants => [] }, 422, 'name' ],
    [ 'missing grants', { name => 'x' }, 422, 'grants' ],
    [ 'grants not an array', { name => 'x', grants => {} }, 422, 'grants' ],
    [ 'grant not an object', { name => 'x', grants => ['platform'] }, 422,
      'grants[0]' ],
    [ 'unknown grant field', { name => 'x', grants => [
      { api => 'platform', permission => 'user', orgs => [1] } ] }, 422,
      'orgs' ],
    [ 'duplicate grants', { name => 'x', grants => [
      { api => 'platform', permission => 'user' },
      { api => 'platform', permission => 'admin' } ] }, 422, 'duplicate' ],
    [ 'unknown API', { name => 'x', grants => [
      { api => 'nope', permission => 'user' } ] }, 422, 'nope' ],
    [ 'unknown permission', { name => 'x', grants => [
      { api => 'platform', permission => 'owner' } ] }, 422, 'permission' ],
    [ 'unknown account', { name => 'x', grants => [
      { api => 'platform', permission => 'user', accounts => [999] } ] },
      422, 'accounts[0]' ],
    [ 'scope below the API level', { name => 'x', grants => [
      { api => 'platform', permission => 'user', workspaces => [20] } ] },
      422, 'below' ],
    [ 'id of the wrong type', { name => 'x', grants => [
      { api => 'platform', permission => 'user', accounts => ['1'] } ] },
      422, 'accounts[0]' ],
    [ 'empty id list', { name => 'x', grants => [
      { api => 'platform', permission => 'user', accounts => [] } ] },
      422, 'accounts' ],
    [ 'org_id of the wrong type', { name => 'x', org_id => 'one',
      grants => [] }, 422, 'org_id' ],
    [ 'JSON array body', [], 422, 'body' ],
);
for my $case (@bad) {
    my ($name, $body, $want, $field) = @$case;
    ($st, $b) = api('POST', 'credentials', $adm, $body);
    err_is($name, $st, $want, $b, $field);
}
($st, $b) = api('POST', 'credentials', $adm, '{"name": ');
err_is('malformed JSON', $st, 400, $b);
($st, $b) = api('POST', 'credentials', $adm, '{"name":"a","name":"b"}');
err_is('duplicate JSON member', $st, 400, $b);
($st, $b) = api('POST', 'credentials', $adm, 'name=x',
                'Content-Type' => 'application/x-www-form-urlencoded');
err_is('not JSON', $st, 415, $b);
($st, $b) = api('POST', 'credentials', $adm,
                '{"name":"' . ('x' x (65 * 1024)) . '"}');
err_is('body over 64 KB', $st, 413, $b);
($st, $b) = api('POST', 'credentials', $adm);
err_is('create without a body', $st, 400, $b);
($st, $b) = api('GET', 'nothing/here', $adm);
err_is('unknown path', $st, 404, $b);
($st, $b) = api('GET', "credentials/$ro->{client_id}/explode", $adm);
err_is('unknown action', $st, 404, $b);
($st, $b, $r) = api('PUT', 'credentials', $adm, {});
err_is('PUT', $st, 405, $b);
is($r->{headers}{allow}, 'GET, POST', '405: Allow');
($st, $b, $r) = api('GET', "credentials/$ro->{client_id}/rotate", $adm);
is($st, 405, 'GET on an action: 405');
is($r->{headers}{allow}, 'POST', 'Allow: POST');
ok(!grep({ $_->{name} eq 'x' } @{ $t->cli_json('list') }),
   'no invalid request created anything');

# --- a write waiting for the LMDB lock does not stall the worker

SKIP: {
    my $hold = $ENV{APICRED_HOLD};
    skip 'no hold_write_lock helper', 4 unless $hold && -x $hold;

    open my $lock, '-|', $hold, $t->store, 3 or die "hold: $!";
    my $line = <$lock>;
    is($line, "locked\n", 'a helper holds the write lock');

    my $pid = fork() // die;
    if ($pid == 0) {
        my ($s, $body) = api('POST', 'credentials', $adm,
                             { name => 'waited', grants => [] });
        exit($s == 201 ? 0 : 1);
    }

    sleep 0.3;
    my ($worst, $ok) = (0, 0);
    for (1 .. 5) {
        my $t0 = time;
        $ok++ if $t->get('/platform/x?accountId=1', $adm)->{status} == 200;
        my $dt = time - $t0;
        $worst = $dt if $dt > $worst;
        sleep 0.2;
    }
    is($ok, 5, 'protected requests answer while the admin write waits');
    cmp_ok($worst, '<', 1, 'each within a second, the lock held for 3')
        or diag("slowest: $worst s");
    waitpid($pid, 0);
    is($? >> 8, 0, 'the waiting write completes with 201 afterwards');
    close $lock;
}

# --- no secret in any log

my $logs = $t->error_log . $t->access_log;
ok(length $logs > 0, 'logs were written (debug level)');
my @leaked = grep { index($logs, $_) >= 0 } @secrets;
is(scalar @leaked, 0, 'no issued secret appears in the error or access log')
    or diag("leaked: @leaked");
ok(scalar @secrets > 10, 'and there were secrets to look for');

done_testing();
