#!/usr/bin/perl

# The access check: Bearer parsing, token verification, grants, permission
# and scope against the live store, variables passed upstream.

use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha256);
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new;

# account 2 (workspaces 20, 21) in org 1; org 2 with account 3, workspace 30
$t->cli('account', 'add', '--id', 2, '--org', 1, '--name', 'Two');
$t->cli('workspace', 'add', '--id', 20, '--account', 2, '--name', 'W20');
$t->cli('workspace', 'add', '--id', 21, '--account', 2, '--name', 'W21');
$t->cli('org', 'add', '--id', 2, '--name', 'Other org');
$t->cli('account', 'add', '--id', 3, '--org', 2, '--name', 'Three');
$t->cli('workspace', 'add', '--id', 30, '--account', 3, '--name', 'W30');

$t->start(ApicredTest::standard_conf() . <<'END');
    server {
        listen 127.0.0.1:%%PORT3%%;
        apicred platform;
        location /on/ { empty_gif; }
        location /off/ { apicred off; empty_gif; }
    }
    server {
        listen 127.0.0.1:%%PORT4%%;
        apicred_issuer https://other.example;
        location /on/ { apicred platform; empty_gif; }
    }
    server {
        listen 127.0.0.1:%%PORT5%%;
        location /any/ {
            satisfy any;
            allow 127.0.0.1;
            deny all;
            apicred platform;
            empty_gif;
        }
        location /all/ {
            satisfy all;
            allow 127.0.0.1;
            deny all;
            apicred platform;
            empty_gif;
        }
    }
END

my $acct = $t->create('account-user', 'platform:user:account=1',
                      'profile:read_only:account=2');
my $ws = $t->create('workspace-reader', 'profile:read_only:workspace=20');
my $tok = $t->token($acct);
my $wtok = $t->token($ws);

sub status { $_[0]->{status} }

sub challenge {
    my ($r, $status, $error, $name) = @_;
    is($r->{status}, $status, "$name: $status");
    my $h = $r->{headers}{'www-authenticate'} // '';
    if (defined $error) {
        like($h, qr/^Bearer realm="apicred", error="$error"$/,
             "$name: error=\"$error\"");
    } else {
        is($h, 'Bearer realm="apicred"', "$name: bare Bearer challenge");
    }
}

# --- allowed: account-level and workspace-level APIs

my $r = $t->get('/platform/x?accountId=1', $tok);
is($r->{status}, 200, 'account-level API, account in scope: 200');
my ($h, $c) = ApicredTest::jwt_parts($tok);
is($r->{content}, "client=$acct->{client_id} org=1 name=account-user "
   . "perm=user jti=$c->{jti}\n", 'variables reach the upstream');
is(status($t->get('/profile/x?workspaceId=20', $tok)), 200,
   'a grant on an account covers its workspaces');
is(status($t->get('/profile/x?workspaceId=21', $tok)), 200,
   'every workspace of that account');
is(status($t->get('/profile/x?workspaceId=20', $wtok)), 200,
   'workspace-level grant: 200');
is(status($t->get('/any/x', $tok)), 200, 'apicred_scope off: API only');
is(status($t->get('/platform/x?accountId=1', $tok, 'X-Other' => 1)), 200,
   'again, from the verified-token cache');
is(status($t->request('GET', '/platform/x?accountId=1',
   headers => { Authorization => "bearer $tok" })), 200,
   'scheme name is case-insensitive');

# a workspace created while nginx runs is covered by the account grant
$t->cli('workspace', 'add', '--id', 22, '--account', 2, '--name', 'new');
is(status($t->get('/profile/x?workspaceId=22', $tok)), 200,
   'a workspace added later is covered too');

# --- 403 insufficient_scope

challenge($t->get('/static/x?workspaceId=1', $tok), 403,
          'insufficient_scope', 'no grant for this API');
challenge($t->get('/platform-admin/x?accountId=1', $tok), 403,
          'insufficient_scope', 'permission not accepted');
challenge($t->get('/profile/x?workspaceId=21', $wtok), 403,
          'insufficient_scope', 'workspace outside the scope');
challenge($t->get('/profile/x?workspaceId=1', $tok), 403,
          'insufficient_scope', 'workspace of another account');
challenge($t->get('/platform/x?accountId=2', $tok), 403,
          'insufficient_scope', 'account outside the scope');
challenge($t->get('/platform/x', $tok), 403, 'insufficient_scope',
          'empty scope variable');
challenge($t->get('/platform/x?accountId=abc', $tok), 403,
          'insufficient_scope', 'scope that is not a number');
challenge($t->get('/platform/x?accountId=999', $tok), 403,
          'insufficient_scope', 'unknown account');
challenge($t->get('/profile/x?workspaceId=30', $tok), 403,
          'insufficient_scope', 'workspace of another org');
challenge($t->get('/platform/x?accountId=99999999999999999999', $tok), 403,
          'insufficient_scope', 'id out of range');

# --- 401 without credentials, 400 for malformed ones

challenge($t->get('/platform/x?accountId=1'), 401, undef, 'no Authorization');
challenge($t->request('GET', '/platform/x?accountId=1',
          headers => { Authorization => 'Basic dXNlcjpwYXNz' }), 401, undef,
          'Basic scheme');
challenge($t->request('GET', '/platform/x?accountId=1',
          headers => { Authorization => 'Bearer' }), 400, 'invalid_request',
          'empty Bearer token');
challenge($t->request('GET', '/platform/x?accountId=1',
          headers => { Authorization => 'Bearer a,b' }), 400,
          'invalid_request', 'bad characters in the token');
challenge($t->request('GET', '/platform/x?accountId=1',
          headers => { Authorization => "Bearer $tok x" }), 400,
          'invalid_request', 'two tokens');

# --- 401 invalid_token: forged, broken and stale tokens

my ($hb, $pb, $sb) = split /\./, $tok;
my $b64 = \&ApicredTest::b64url;
my $enc = sub { $b64->($t->encode_json($_[0])) };

challenge($t->get('/platform/x?accountId=1', "$hb.$pb." . $b64->('x' x 64)),
          401, 'invalid_token', 'bad signature');
my %claims = %$c;
$claims{exp} += 3600;
challenge($t->get('/platform/x?accountId=1',
          "$hb." . $enc->(\%claims) . ".$sb"), 401, 'invalid_token',
          'changed claims');
challenge($t->get('/platform/x?accountId=1',
          $enc->({ alg => 'none', typ => 'at+jwt', kid => $h->{kid} })
          . ".$pb."), 401, 'invalid_token', 'alg none, empty signature');
challenge($t->get('/platform/x?accountId=1',
          $enc->({ alg => 'none', typ => 'at+jwt', kid => $h->{kid} })
          . ".$pb.$sb"), 401, 'invalid_token', 'alg none');

my $pk = $t->cli_json('key', 'list')->[0]{public_key};
my $hs_head = $enc->({ alg => 'HS256', typ => 'at+jwt', kid => $h->{kid} });
for my $secret ($pk, ApicredTest::unb64url($pk)) {
    my $hs_sig = $b64->(hmac_sha256("$hs_head.$pb", $secret));
    challenge($t->get('/platform/x?accountId=1', "$hs_head.$pb.$hs_sig"),
              401, 'invalid_token', 'HS256 with the public key as secret');
}
challenge($t->get('/platform/x?accountId=1',
          $enc->({ alg => 'EdDSA', typ => 'at+jwt', kid => 'AAAAAAAAAAAAAAAA' })
          . ".$pb.$sb"), 401, 'invalid_token', 'unknown kid');
challenge($t->get('/platform/x?accountId=1', "$hb.$pb"), 401,
          'invalid_token', 'truncated token: two segments');
challenge($t->get('/platform/x?accountId=1',
          "$hb.$pb." . substr($sb, 0, 40)), 401, 'invalid_token',
          'truncated signature');
challenge($t->get('/platform/x?accountId=1', "$hb.$pb.$sb.$sb"), 401,
          'invalid_token', 'four segments');
challenge($t->get('/platform/x?accountId=1', 'abc'), 401, 'invalid_token',
          'not a JWT');

# issuer is per server: a token of "apicred" is not one of other.example
challenge($t->request('GET', "http://127.0.0.1:" . $t->port_n(4) . "/on/",
          headers => { Authorization => "Bearer $tok" }),
          401, 'invalid_token', 'wrong issuer');

# expired: a 2 s TTL on a second nginx over the same store (2 s, so that a
# second boundary between issue and first use cannot expire it)
my $t2 = ApicredTest->new(no_store => 1);
$t2->{store} = $t->store;
$t2->start(ApicredTest::standard_conf('    apicred_token_ttl 2s;'));
my $short = $t2->token($acct);
is(status($t2->get('/platform/x?accountId=1', $short)), 200,
   'short-lived token works at first');
sleep 3;
challenge($t2->get('/platform/x?accountId=1', $short), 401, 'invalid_token',
          'expired token (even though it was cached)');
like($t2->error_log, qr/token expired/, 'the error log says why');
unlike($t2->error_log, qr/\Q$short\E/, 'without echoing the token');

# --- the live store: deactivate, reactivate, update, delete

my $live = $t->create('live', 'platform:admin:account=1');
my $old = $t->token($live);
is(status($t->get('/platform/x?accountId=1', $old)), 200, 'live: 200');

$t->cli('deactivate', $live->{client_id});
challenge($t->get('/platform/x?accountId=1', $old), 401, 'invalid_token',
          'deactivated while nginx runs: next request 401');
$t->cli('activate', $live->{client_id});
challenge($t->get('/platform/x?accountId=1', $old), 401, 'invalid_token',
          'reactivated: the old token stays dead');
my $new = $t->token($live);
is(status($t->get('/platform/x?accountId=1', $new)), 200,
   'reactivated: a new token works');

$t->cli('update', $live->{client_id}, '--grant', 'platform:admin:account=2');
challenge($t->get('/platform/x?accountId=1', $new), 403,
          'insufficient_scope', 'grant edited: account 1 now out of scope');
is(status($t->get('/platform/x?accountId=2', $new)), 200,
   'grant edited: account 2 now in scope');

$t->cli('delete', $live->{client_id});
challenge($t->get('/platform/x?accountId=2', $new), 401, 'invalid_token',
          'deleted credential');

# --- inheritance, "apicred off", satisfy

my %vport = ('inherit.test' => 3, 'satisfy.test' => 5);
sub vhost {
    my ($host, $path, $token) = @_;
    my %h;
    $h{Authorization} = "Bearer $token" if $token;
    return $t->request('GET', 'http://127.0.0.1:' . $t->port_n($vport{$host})
                       . $path, headers => \%h);
}
is(status(vhost('inherit.test', '/on/')), 401,
   'server-level apicred is inherited');
is(status(vhost('inherit.test', '/on/', $tok)), 200,
   'inherited check passes with a token');
is(status(vhost('inherit.test', '/off/')), 200, 'apicred off switches it off');
is(status(vhost('satisfy.test', '/any/')), 200,
   'satisfy any: allow from 127.0.0.1 is enough');
is(status(vhost('satisfy.test', '/all/')), 401,
   'satisfy all: the token is still required');
is(status(vhost('satisfy.test', '/all/', $tok)), 200,
   'satisfy all: with a token');

# --- the store failing is a server fault

rename $t->store . '/data.mdb', $t->store . '/data.moved';
my $t3 = ApicredTest->new(no_store => 1);
$t3->{store} = $t->store;
$t3->start(ApicredTest::standard_conf());
is(status($t3->get('/platform/x?accountId=1', $tok)), 503,
   'store unreadable: 503');
like($t3->error_log, qr/\[alert\].*apicred/, 'and an alert in the error log');
rename $t->store . '/data.moved', $t->store . '/data.mdb';

done_testing();
