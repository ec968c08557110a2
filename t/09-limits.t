#!/usr/bin/perl

# Limits: every input is bounded, and going over a bound is a clear 4xx,
# never a 500 or a crash.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new;
$t->cli('account', 'add', '--id', 2, '--org', 1, '--name', 'Two');
$t->start(ApicredTest::standard_conf());
my $admin = $t->create('root', 'credentials:admin');
my $tok = $t->token($admin);

sub create {
    my ($body) = @_;
    my ($st, $b) = $t->admin('POST', 'credentials', $tok, $body);
    return ($st, $b->{error_description} // '');
}

my @grants = map { { api => 'platform', permission => 'user' } } 1 .. 65;
my ($st, $d) = create({ name => 'x', grants => \@grants });
is($st, 422, 'more than 64 grants: 422');
like($d, qr/grants/, 'names grants');

($st) = create({ name => 'x', grants => [
    { api => 'platform', permission => 'user', accounts => [1, 2] } ] });
is($st, 201, 'a grant with a few ids: 201');
($st, $d) = create({ name => 'x', grants => [
    { api => 'platform', permission => 'user', accounts => [1 .. 1001] } ] });
is($st, 422, 'more than 1000 ids in a grant: 422');
like($d, qr/accounts/, 'names accounts');

($st) = create({ name => 'n' x 200, grants => [] });
is($st, 201, 'a name of 200 bytes: 201');
($st, $d) = create({ name => 'n' x 201, grants => [] });
is($st, 422, 'a name of 201 bytes: 422');
like($d, qr/name/, 'names name');

($st) = create('{"name":"x","grants":' . ('[' x 5000) . (']' x 5000) . '}');
is($st, 400, 'JSON nested 5000 deep: 400');
($st) = create('{"name":"x","grants":[' . ('{"a":' x 3000) . '1'
               . ('}' x 3000) . ']}');
ok($st == 400 || $st == 422, "deep objects: $st");

my ($s2) = $t->admin('POST', 'credentials', $tok,
                     '{"name":"' . ('x' x (64 * 1024)) . '"}');
is($s2, 413, 'admin body over 64 KB: 413');

my $r = $t->post_json('/oauth/token', '{"a":' . ('[' x 4000)
                      . (']' x 4000) . '}');
is($r->{status}, 400, 'token request nested 4000 deep: 400');
$r = $t->post_json('/oauth/token', { client_id => $admin->{client_id},
    client_secret => $admin->{client_secret},
    grant_type => 'client_credentials', audience => 'a' x 256 });
is($r->{status}, 400, 'audience over 255 bytes: 400');
$r = $t->post_json('/oauth/token', { client_id => 'x' x 600,
    client_secret => 'y', grant_type => 'client_credentials' });
is($r->{status}, 400, 'a parameter over 512 bytes: 400');

($st) = $t->admin('GET', 'credentials?limit=1001', $tok);
is($st, 422, 'limit over 1000: 422');

unlike($t->error_log, qr/\[(alert|crit|emerg)\]/, 'nothing alarming logged');

done_testing();
