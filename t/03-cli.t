#!/usr/bin/perl

# apicredctl: every command, --json, exit codes, one-line errors, ownership.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new;

sub run_ok {
    my ($name, @args) = @_;
    my ($rc, $out, $err) = $t->cli(@args);
    is($rc, 0, "$name: exit 0") or diag($err);
    return $out;
}

sub run_fails {
    my ($name, $code, $pattern, @args) = @_;
    my ($rc, $out, $err) = $t->cli(@args);
    is($rc, $code, "$name: exit $code");
    like($err, $pattern, "$name: says why");
    is(scalar(() = $err =~ /^apicredctl:/mg), 1, "$name: one error line");
}

# init made the store: mode 0600 files, owned by the requested user
my @st = stat($t->store . '/data.mdb');
is($st[2] & 07777, 0600, 'data.mdb is mode 0600');
is($st[4], $>, 'owned by the --user given to init');
run_fails('init twice', 1, qr/already initialised/, 'init');

# the seeded catalog and hierarchy
my $apis = $t->cli_json('api', 'list');
is_deeply([ map { "$_->{slug}:$_->{level}:" . join(',', @{$_->{permissions}}) }
            @$apis ],
          [ 'credentials:org:admin,compliance_admin,read_only',
            'data_planning:workspace:admin,user',
            'platform:account:admin,user', 'profile:workspace:read_only' ],
          'init seeds the API catalog');
is($t->cli_json('org', 'list')->[0]{id}, 1, 'org 1');
is($t->cli_json('account', 'list')->[0]{org_id}, 1, 'account 1 in org 1');
is($t->cli_json('workspace', 'list')->[0]{account_id}, 1,
   'workspace 1 in account 1');

# hierarchy and catalog additions
is($t->cli_json('account', 'add', '--id', 12, '--org', 1, '--name', 'A12')
   ->{id}, 12, 'account add with an id');
is($t->cli_json('workspace', 'add', '--account', 12, '--name', 'W')->{id}, 2,
   'workspace add picks the next id');
$t->cli('workspace', 'add', '--id', 1203, '--account', 12, '--name', 'W1203');
$t->cli('workspace', 'add', '--id', 1204, '--account', 12, '--name', 'W1204');
run_fails('duplicate account id', 1, qr/exists already/, 'account', 'add',
          '--id', 12, '--org', 1, '--name', 'again');
run_fails('account in an unknown org', 1, qr/org_id: unknown org 9/,
          'account', 'add', '--org', 9, '--name', 'x');
is(scalar @{ $t->cli_json('workspace', 'list', '--account', 12) }, 3,
   'workspace list --account filters');
my $api = $t->cli_json('api', 'add', '--slug', 'billing', '--name',
                       'Billing API', '--level', 'account',
                       '--permissions', 'admin,viewer');
is_deeply($api->{permissions}, ['admin', 'viewer'], 'api add');
run_fails('api add with a bad level', 1, qr/level/, 'api', 'add', '--slug',
          'x', '--name', 'X', '--level', 'galaxy', '--permissions', 'a');

# create, exactly as in SPEC
my $c = $t->cli_json('create', '--name', 'N',
                     '--grant', 'platform:admin:account=12',
                     '--grant', 'profile:read_only:workspace=1203,1204');
like($c->{client_id}, qr/^[A-Za-z0-9_-]{24}$/, 'create: client_id');
like($c->{client_secret}, qr/^[A-Za-z0-9_-]{43}$/, 'create: client_secret');
is_deeply($c->{grants}, [
    { api => 'platform', permission => 'admin', accounts => [12] },
    { api => 'profile', permission => 'read_only',
      workspaces => [1203, 1204] } ], 'create: grants');
ok($c->{active}, 'create: active');
like($c->{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
     'create: RFC 3339 UTC timestamps');

my $text = run_ok('create, text output', 'create', '--name', 'T',
                  '--grant', 'credentials:admin');
like($text, qr/^client_secret: [A-Za-z0-9_-]{43}$/m,
     'text output shows the secret once');

my $shown = $t->cli_json('show', $c->{client_id});
ok(!exists $shown->{client_secret}, 'show never shows the secret');
is($shown->{name}, 'N', 'show');
unlike(ApicredTest::slurp($t->store . '/data.mdb'), qr/\Q$c->{client_secret}\E/,
       'the secret is not in the store file');

run_fails('unknown API', 1, qr/unknown API "nope"/, 'create', '--name', 'x',
          '--grant', 'nope:admin');
run_fails('unknown permission', 1, qr/"owner" is not a permission/, 'create',
          '--name', 'x', '--grant', 'platform:owner:account=12');
run_fails('scope below the API level', 1, qr/below/, 'create', '--name', 'x',
          '--grant', 'platform:admin:workspace=1203');
run_fails('unknown workspace', 1, qr/unknown workspace 999/, 'create',
          '--name', 'x', '--grant', 'profile:read_only:workspace=999');
run_fails('bad grant syntax', 1, qr/--grant/, 'create', '--name', 'x',
          '--grant', 'platform');
run_fails('bad id', 1, qr/not a positive integer/, 'create', '--name', 'x',
          '--grant', 'platform:admin:account=-1');
run_fails('duplicate grant', 1, qr/duplicate/, 'create', '--name', 'x',
          '--grant', 'platform:admin:account=12',
          '--grant', 'platform:user:account=12');
run_fails('no name', 1, qr/--name/, 'create', '--grant', 'platform:admin');
run_fails('unknown command', 1, qr/unknown command/, 'frobnicate');
run_fails('unknown credential', 2, qr/unknown credential/, 'show', 'nope');
run_fails('deactivate unknown', 2, qr/unknown credential/, 'deactivate', 'x');

# list with filters
$t->cli('deactivate', $c->{client_id});
my @all = @{ $t->cli_json('list') };
is(scalar @all, 2, 'list');
is(scalar @{ $t->cli_json('list', '--api', 'profile') }, 1, 'list --api');
is(scalar @{ $t->cli_json('list', '--active', 'false') }, 1,
   'list --active false');
is(scalar @{ $t->cli_json('list', '--org', 2) }, 0, 'list --org');
like(run_ok('list, text', 'list'), qr/\Q$c->{client_id}\E\s+inactive/,
     'text list');

# update, activate, rotate, delete
my $u = $t->cli_json('update', $c->{client_id}, '--name', 'renamed');
is($u->{name}, 'renamed', 'update --name');
is_deeply($u->{grants}[0]{accounts}, [12], 'update --name keeps the grants');
$u = $t->cli_json('update', $c->{client_id}, '--grant', 'platform:user');
is_deeply($u->{grants}, [{ api => 'platform', permission => 'user' }],
          'update --grant replaces the grants');
ok($t->cli_json('activate', $c->{client_id})->{active}, 'activate');
my $r = $t->cli_json('rotate', $c->{client_id}, '--grace', 60);
like($r->{client_secret}, qr/^[A-Za-z0-9_-]{43}$/, 'rotate shows a secret');
isnt($r->{client_secret}, $c->{client_secret}, 'a new one');
run_fails('rotate with a bad grace', 1, qr/grace/, 'rotate',
          $c->{client_id}, '--grace', 700000);
is($t->cli_json('delete', $c->{client_id})->{deleted}, JSON::PP::true,
   'delete');
run_fails('deleted', 2, qr/unknown credential/, 'show', $c->{client_id});

# the last admin of the org stays
my $admin = (grep { $_->{name} eq 'T' } @{ $t->cli_json('list') })[0];
run_fails('last admin', 1, qr/last active credentials:admin/, 'deactivate',
          $admin->{client_id});

# keys and backup
my $keys = $t->cli_json('key', 'list');
is(length(ApicredTest::unb64url($keys->[0]{public_key})), 32,
   'key list: 32-byte public key');
my $bk = $t->dir . '/backup.mdb';
run_ok('backup', 'backup', $bk);
ok(-s $bk, 'backup file written');
my $copy = $t->dir . '/restored';
mkdir $copy;
rename $bk, "$copy/data.mdb";
my ($rc, $out) = ApicredTest::cli_raw($copy, '--json', 'list');
is($rc, 0, 'the backup opens as a store');
is(scalar @{ $t->decode_json($out) }, 1, 'and holds the credentials');

# a store that is not there
($rc, $out, my $err) = ApicredTest::cli_raw($t->dir . '/none', 'list');
is($rc, 3, 'no store: exit 3');
like($err, qr/no store/, 'no store: says so');

# as root, init gives the store to www-data by default
SKIP: {
    skip 'needs root and a www-data user', 2
        unless $> == 0 && defined getpwnam('www-data');
    my $dir = $t->dir . '/wwwstore';
    ($rc) = ApicredTest::cli_raw($dir, 'init');
    my @s = stat("$dir/data.mdb");
    is($s[4], scalar getpwnam('www-data'), 'root init: owned by www-data');
    ApicredTest::cli_raw($dir, 'create', '--name', 'x', '--grant',
                         'platform:admin');
    @s = stat("$dir/lock.mdb");
    is($s[4], scalar getpwnam('www-data'), 'later commands keep ownership');
}

done_testing();
