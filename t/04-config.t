#!/usr/bin/perl

# Directives: validated at "nginx -t" with file:line; what the store
# decides (an unknown API slug) is a runtime 403, not a config error.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new;

sub conf_with {
    my ($http, $loc) = @_;
    return <<"END";
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /oauth/token { apicred_token_endpoint; }
        location / { $loc empty_gif; }
    }
END
}

my ($rc, $out) = $t->test_conf(conf_with('apicred_store %%STORE%%;',
                                         'apicred platform;'));
is($rc, 0, 'a valid configuration passes nginx -t') or diag($out);

my $conf = $t->dir . '/nginx.conf';
for my $case (
    [ 'missing store directory', 'apicred_store %%DIR%%/nowhere;', '',
      qr/apicred_store ".*nowhere" is not a directory/ ],
    [ 'TTL that is not a time', "apicred_store %%STORE%%;\n"
      . "    apicred_token_ttl abc;", '', qr/invalid value/ ],
    [ 'TTL of zero', "apicred_store %%STORE%%;\n    apicred_token_ttl 0;",
      '', qr/must be positive/ ],
    [ 'invalid API slug', 'apicred_store %%STORE%%;', 'apicred Bad!;',
      qr/invalid API slug "Bad!"/ ],
    [ 'invalid permission', 'apicred_store %%STORE%%;',
      'apicred platform; apicred_permission "a b";', qr/invalid permission/ ],
    [ 'apicred without a store', '', 'apicred platform;',
      qr/requires "apicred_store"/ ],
    [ 'duplicate apicred', 'apicred_store %%STORE%%;',
      'apicred platform; apicred profile;', qr/is duplicate/ ],
    [ 'duplicate store', "apicred_store %%STORE%%;\n"
      . "    apicred_store %%STORE%%;", '', qr/is duplicate/ ],
    [ 'bad map_size', 'apicred_store %%STORE%% map_size=tiny;', '',
      qr/map_size/ ],
    [ 'token TTL in a location', 'apicred_store %%STORE%%;',
      'apicred_token_ttl 1h;', qr/not allowed here/ ],
    [ 'bad token cache', "apicred_store %%STORE%%;\n"
      . "    apicred_token_cache lots;", '', qr/apicred_token_cache/ ],
) {
    my ($name, $http, $loc, $pattern) = @$case;
    ($rc, $out) = $t->test_conf(conf_with($http, $loc));
    isnt($rc, 0, "$name: nginx -t fails");
    like($out, $pattern, "$name: says why");
    like($out, qr/in \Q$conf\E:\d+/, "$name: names the file and line");
}

# inheritance of ttl and issuer: http -> server, overridden per server
$t->start(<<'END');
    apicred_store %%STORE%%;
    apicred_token_ttl 1h;
    apicred_issuer https://http.example;
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /oauth/token { apicred_token_endpoint; }
        location /nope/ { apicred no_such_api; empty_gif; }
    }
    server {
        listen 127.0.0.1:%%PORT3%%;
        apicred_token_ttl 5m;
        apicred_issuer https://server.example;
        apicred platform;
        location = /oauth/token { apicred_token_endpoint; }
        location /apicred/ { apicred_admin_api; }
    }
END

my $cred = $t->create('c', 'platform:admin');
my $tok = $t->token($cred);
my (undef, $claims) = ApicredTest::jwt_parts($tok);
is($claims->{exp} - $claims->{iat}, 3600, 'apicred_token_ttl from http{}');
is($claims->{iss}, 'https://http.example', 'apicred_issuer from http{}');

my $r = $t->request('POST', 'http://127.0.0.1:' . $t->port_n(3)
                    . '/oauth/token',
    headers => { 'Content-Type' => 'application/json' },
    body => $t->encode_json({ client_id => $cred->{client_id},
        client_secret => $cred->{client_secret},
        grant_type => 'client_credentials' }));
(undef, $claims) = ApicredTest::jwt_parts(
    $t->decode_json($r->{content})->{access_token});
is($claims->{exp} - $claims->{iat}, 300, 'server{} overrides the TTL');
is($claims->{iss}, 'https://server.example', 'server{} overrides the issuer');
is($t->decode_json($r->{content})->{expires_in}, 300, 'expires_in follows');

my $r2 = $t->request('GET', 'http://127.0.0.1:' . $t->port_n(3)
                     . '/apicred/apis');
is($r2->{status}, 401, 'a server-level "apicred" does not take over the '
   . 'admin API: its own 401');
like($r2->{content}, qr/"error"/, 'with its JSON body');

$r = $t->get('/nope/', $tok);
is($r->{status}, 403, 'an API the store does not know: 403 at runtime');

done_testing();
