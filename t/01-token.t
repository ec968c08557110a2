#!/usr/bin/perl

# The token endpoint: client-credentials grant in JSON and form bodies,
# client_secret_post and client_secret_basic, RFC 6749 5.2 errors, and the
# JWT checked independently (openssl verifies the Ed25519 signature).

use strict;
use warnings;
use Test::More;
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new;
$t->start(ApicredTest::standard_conf());

my $cred = $t->create('svc', 'platform:admin:account=1');
my ($id, $secret) = @$cred{qw(client_id client_secret)};

sub form_post {
    my ($body, %h) = @_;
    return $t->request('POST', '/oauth/token',
        headers => { 'Content-Type' => 'application/x-www-form-urlencoded', %h },
        body => $body);
}

sub oauth_error {
    my ($r, $status, $error, $name) = @_;
    is($r->{status}, $status, "$name: status $status");
    like($r->{headers}{'content-type'}, qr{^application/json}, "$name: JSON");
    my $b = eval { $t->decode_json($r->{content}) } // {};
    is($b->{error}, $error, "$name: error $error");
    ok(defined $b->{error_description}, "$name: error_description");
}

# --- happy paths, three ways of authenticating the client

my $r = $t->post_json('/oauth/token', { client_id => $id,
    client_secret => $secret, grant_type => 'client_credentials',
    audience => 'https://api.example.com' });
is($r->{status}, 200, 'JSON body: 200');
is($r->{headers}{'cache-control'}, 'no-store', 'Cache-Control: no-store');
like($r->{headers}{'content-type'}, qr{^application/json}, 'JSON response');
my $body = $t->decode_json($r->{content});
is($body->{token_type}, 'Bearer', 'token_type Bearer');
is($body->{expires_in}, 28800, 'expires_in is the default 8h');
my $json_token = $body->{access_token};

$r = form_post("grant_type=client_credentials&client_id=$id"
               . "&client_secret=$secret");
is($r->{status}, 200, 'form body (client_secret_post): 200');
my $form_token = $t->decode_json($r->{content})->{access_token};

my $basic = encode_base64("$id:$secret", '');
$r = form_post('grant_type=client_credentials',
               Authorization => "Basic $basic");
is($r->{status}, 200, 'client_secret_basic: 200');
my $basic_token = $t->decode_json($r->{content})->{access_token};

isnt($form_token, $basic_token, 'each token is new');

# percent-encoded form values
(my $enc = $secret) =~ s/-/%2D/g;
$r = form_post("grant_type=client_credentials&client_id=$id"
               . "&client_secret=$enc&scope=ignored");
is($r->{status}, 200, 'percent-encoded secret and unknown parameter: 200');

# --- the token itself, verified with nothing of ours

my $keys = $t->cli_json('key', 'list');
is(scalar @$keys, 1, 'one signing key');
my $key = $keys->[0];
is($key->{alg}, 'EdDSA', 'key alg EdDSA');
is($key->{status}, 'active', 'key active');

my ($h, $c, $input, $sig) = ApicredTest::jwt_parts($json_token);
is_deeply($h, { alg => 'EdDSA', typ => 'at+jwt', kid => $key->{kid} },
          'header: alg, typ at+jwt, kid');
is($c->{iss}, 'apicred', 'iss: default issuer');
is($c->{sub}, $id, 'sub: client id');
is($c->{client_id}, $id, 'client_id claim');
is($c->{aud}, 'https://api.example.com', 'aud: the requested audience');
ok(abs($c->{iat} - time) < 60, 'iat is now');
is($c->{exp} - $c->{iat}, 28800, 'exp = iat + ttl');
like($c->{jti}, qr/^[A-Za-z0-9_-]{16,}$/, 'jti');

my (undef, $c2) = ApicredTest::jwt_parts($form_token);
is($c2->{aud}, 'apicred', 'aud defaults to the issuer');
isnt($c2->{jti}, $c->{jti}, 'jti differs per token');

sub openssl_verify {
    my ($pk_b64url, $input, $sig) = @_;
    my $dir = $t->dir;
    my $der = pack('H*', '302a300506032b6570032100')
              . ApicredTest::unb64url($pk_b64url);
    open my $fh, '>', "$dir/pub.pem" or die;
    print $fh "-----BEGIN PUBLIC KEY-----\n", encode_base64($der),
              "-----END PUBLIC KEY-----\n";
    close $fh;
    for (['in', $input], ['sig', $sig]) {
        open my $f, '>:raw', "$dir/$_->[0]" or die;
        print $f $_->[1];
        close $f;
    }
    my $out = `openssl pkeyutl -verify -pubin -inkey $dir/pub.pem -rawin -in $dir/in -sigfile $dir/sig 2>&1`;
    return $? == 0 && $out =~ /Signature Verified Successfully/;
}

ok(openssl_verify($key->{public_key}, $input, $sig),
   'openssl verifies the Ed25519 signature with the published key');
ok(!openssl_verify($key->{public_key}, $input . 'x', $sig),
   'and rejects a changed payload');

# --- RFC 6749 5.2 errors

oauth_error($t->post_json('/oauth/token', '{"client_id": '), 400,
            'invalid_request', 'malformed JSON');
oauth_error($t->post_json('/oauth/token', '[1,2]'), 400,
            'invalid_request', 'JSON that is not an object');
oauth_error($t->post_json('/oauth/token', { client_id => $id,
            client_secret => $secret }), 400, 'invalid_request',
            'missing grant_type');
oauth_error($t->post_json('/oauth/token', { client_id => $id,
            client_secret => $secret, grant_type => 1 }), 400,
            'invalid_request', 'grant_type not a string');
oauth_error(form_post("grant_type=client_credentials&client_id=$id"
            . "&client_id=$id&client_secret=$secret"), 400,
            'invalid_request', 'repeated parameter');
oauth_error(form_post("grant_type=client_credentials&client_id=%zz"),
            400, 'invalid_request', 'bad percent-encoding');
oauth_error(form_post("grant_type=client_credentials&client_id=$id"
            . "&client_secret=$secret", Authorization => "Basic $basic"),
            400, 'invalid_request', 'credentials in body and Basic');
oauth_error($t->post_json('/oauth/token', { client_id => $id,
            client_secret => $secret, grant_type => 'password' }), 400,
            'unsupported_grant_type', 'password grant');
oauth_error($t->post_json('/oauth/token', { client_id => $id,
            client_secret => $secret, grant_type => 'authorization_code' }),
            400, 'unsupported_grant_type', 'authorization_code grant');

$r = $t->post_json('/oauth/token', { client_id => $id,
     client_secret => $secret . 'x', grant_type => 'client_credentials' });
oauth_error($r, 401, 'invalid_client', 'wrong secret');
ok(!defined $r->{headers}{'www-authenticate'},
   'no Basic challenge when Basic was not used');
oauth_error($t->post_json('/oauth/token', { client_id => 'nobody',
            client_secret => $secret, grant_type => 'client_credentials' }),
            401, 'invalid_client', 'unknown client');
oauth_error($t->post_json('/oauth/token', {
            grant_type => 'client_credentials' }), 401, 'invalid_client',
            'no client authentication');

$r = form_post('grant_type=client_credentials',
               Authorization => 'Basic ' . encode_base64("$id:wrong", ''));
oauth_error($r, 401, 'invalid_client', 'Basic with a wrong secret');
like($r->{headers}{'www-authenticate'}, qr/^Basic/,
     'WWW-Authenticate: Basic when Basic was used');

my $off = $t->create('soon-off', 'platform:user:account=1');
$t->cli('deactivate', $off->{client_id});
oauth_error($t->post_json('/oauth/token', { client_id => $off->{client_id},
            client_secret => $off->{client_secret},
            grant_type => 'client_credentials' }), 401, 'invalid_client',
            'deactivated client');

$r = $t->request('GET', '/oauth/token');
oauth_error($r, 405, 'invalid_request', 'GET');
is($r->{headers}{allow}, 'POST', 'Allow: POST');

$r = $t->request('POST', '/oauth/token',
                 headers => { 'Content-Type' => 'text/plain' }, body => 'x');
oauth_error($r, 415, 'invalid_request', 'text/plain body');

oauth_error($t->post_json('/oauth/token', '{"a":"' . ('x' x 9000) . '"}'),
            413, 'invalid_request', 'body over 8 KB');

# a body that arrives in pieces and through a temp file is read whole
my $t2 = ApicredTest->new;
$t2->start(ApicredTest::standard_conf(
    "    client_body_buffer_size 128;\n    client_body_in_file_only on;"));
my $c3 = $t2->create('file', 'platform:user:account=1');
my $padded = $t2->encode_json({ client_id => $c3->{client_id},
    client_secret => $c3->{client_secret},
    grant_type => 'client_credentials', pad => 'p' x 3000 });
$r = $t2->post_json('/oauth/token', $padded);
is($r->{status}, 200, 'body read from a temp file: 200');

# chunked, in small pieces
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t2->port)
    or die;
my $req = "POST /oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          . "Content-Type: application/json\r\n"
          . "Transfer-Encoding: chunked\r\n\r\n";
print $sock $req;
for my $piece (unpack '(A700)*', $padded) {
    printf $sock "%x\r\n%s\r\n", length $piece, $piece;
    select(undef, undef, undef, 0.02);
}
print $sock "0\r\n\r\n";
my $resp = do { local $/; <$sock> };
like($resp, qr{^HTTP/1.1 200}, 'chunked body in pieces: 200');
like($resp, qr{"access_token"}, 'chunked body: token issued');

# a chunked body over the limit has no Content-Length to check up front
$sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t2->port) or die;
print $sock $req;
printf $sock "%x\r\n%s\r\n", 9000, 'x' x 9000;
print $sock "0\r\n\r\n";
$resp = do { local $/; <$sock> };
like($resp, qr{^HTTP/1.1 413}, 'chunked body over 8 KB: 413');
like($resp, qr{"error":"invalid_request"}, 'chunked 413 is JSON');

unlike($t->error_log . $t2->error_log, qr/\Q$secret\E/,
       'the secret never reaches the error log');

done_testing();
