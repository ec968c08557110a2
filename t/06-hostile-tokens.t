#!/usr/bin/perl

# Forged and hostile tokens. Most are signed with the store's real key
# (tests/sign_token), so that the parser's strictness is what refuses them,
# not the signature. Each answers 400 or 401, never 500, and the error log
# says why at info level without echoing the token.

use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha256 hmac_sha512);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use ApicredTest;

my $SIGN = $ENV{APICRED_SIGN} // 'build/sign_token';
plan skip_all => 'no sign_token helper' unless -x $SIGN;

my $t = ApicredTest->new;
# large enough header buffers that an 8 KB token reaches the module
$t->start(ApicredTest::standard_conf(
    '    large_client_header_buffers 4 16k;') . <<'END');
    server {
        listen 127.0.0.1:%%PORT3%%;
        location / {
            apicred platform;
            apicred_audience https://api.example.com;
            empty_gif;
        }
    }
END

my $cred = $t->create('victim', 'platform:admin');
my $id = $cred->{client_id};
my $kid = $t->cli_json('key', 'list')->[0]{kid};
my $pk = $t->cli_json('key', 'list')->[0]{public_key};
my $now = time;

my $other = ApicredTest->new;
my $other_kid = $other->cli_json('key', 'list')->[0]{kid};

sub sign {
    my ($header, $payload, $store) = @_;
    my $out = `'$SIGN' '@{[ $store // $t->store ]}' '$header' '$payload'`;
    chomp $out;
    return $out;
}

sub claims {
    my (%c) = (iss => 'apicred', sub => $id, client_id => $id,
               aud => 'apicred', iat => $now, exp => $now + 3600,
               jti => 'hostile', gen => 0, @_);
    delete $c{$_} for grep { !defined $c{$_} } keys %c;
    return $t->encode_json(\%c);
}

my $head = qq({"alg":"EdDSA","typ":"at+jwt","kid":"$kid"});
my $b64 = \&ApicredTest::b64url;

my $good = sign($head, claims());
is($t->get('/any/x', $good)->{status}, 200,
   'control: a token built by the helper like ours is accepted');

sub hostile {
    my ($name, $token, %opt) = @_;
    my $log0 = length $t->error_log;
    my $r = $t->request('GET', $opt{path} // '/any/x',
        headers => { Authorization => ($opt{scheme} // 'Bearer') . " $token" });
    ok($r->{status} == 401 || $r->{status} == 400,
       "$name: 401 or 400 (got $r->{status})");
    my $log = substr($t->error_log, $log0);
    like($log, qr/\[info\].*apicred: .*(invalid_token|invalid_request)/,
         "$name: the log says why, at info");
    unlike($log, qr/\Q$token\E/, "$name: without the token")
        if length $token > 20;
}

# --- alg and header games
hostile("alg $_", sign(qq({"alg":"$_","typ":"at+jwt","kid":"$kid"}), claims()))
    for qw(none None NONE);
hostile('alg none, no signature',
        $b64->(qq({"alg":"none","typ":"at+jwt","kid":"$kid"})) . '.'
        . $b64->(claims()) . '.');
for my $alg ([HS256 => \&hmac_sha256], [HS512 => \&hmac_sha512]) {
    my $h = $b64->(qq({"alg":"$alg->[0]","typ":"at+jwt","kid":"$kid"}));
    my $p = $b64->(claims());
    hostile("$alg->[0] with the public key as secret",
            "$h.$p." . $b64->($alg->[1]->("$h.$p", $pk)));
    hostile("$alg->[0] with the raw public key as secret",
            "$h.$p." . $b64->($alg->[1]->("$h.$p",
                                          ApicredTest::unb64url($pk))));
}
hostile('RS256 header', sign(qq({"alg":"RS256","typ":"at+jwt","kid":"$kid"}),
                             claims()));
hostile('kid path traversal',
        sign(qq({"alg":"EdDSA","typ":"at+jwt","kid":"../../etc/passwd"}),
             claims()));
hostile('unknown kid', sign(qq({"alg":"EdDSA","typ":"at+jwt","kid":"AAAA"}),
                            claims()));
hostile('duplicate alg in the header',
        sign(qq({"alg":"EdDSA","alg":"none","typ":"at+jwt","kid":"$kid"}),
             claims()));
hostile('typ JWT', sign(qq({"alg":"EdDSA","typ":"JWT","kid":"$kid"}),
                        claims()));
hostile('extra header member (jku)',
        sign(qq({"alg":"EdDSA","typ":"at+jwt","kid":"$kid",)
             . qq("jku":"https://evil.example/keys"}), claims()));
hostile('header not an object', sign('["EdDSA"]', claims()));

# --- claims games, validly signed
(my $dup = claims()) =~ s/^\{/{"client_id":"someone-else",/;
hostile('duplicate claim', sign($head, $dup));
hostile('exp as a string', sign($head, claims(exp => "" . ($now + 3600))));
hostile('exp as a float', sign($head,
        claims() =~ s/"exp":\d+/"exp":@{[ $now + 3600 ]}.5/r));
hostile('exp huge', sign($head,
        claims() =~ s/"exp":\d+/"exp":99999999999999999999999/r));
hostile('exp negative', sign($head, claims(exp => -1)));
hostile("missing $_", sign($head, claims($_ => undef)))
    for qw(exp iat iss sub client_id jti gen aud);
hostile('nbf in the future', sign($head, claims(nbf => $now + 600)));
hostile('iat in the future', sign($head, claims(iat => $now + 600)));
hostile('expired', sign($head, claims(iat => $now - 7200,
                                      exp => $now - 3600)));
hostile('wrong iss', sign($head, claims(iss => 'https://evil.example')));
hostile('wrong aud', sign($head, claims(aud => 'https://evil.example')),
        path => 'http://127.0.0.1:' . $t->port_n(3) . '/');
hostile('sub differs from client_id', sign($head, claims(sub => 'other')));
hostile('stale generation', sign($head, claims(gen => 1)));
hostile('unknown client', sign($head, claims(sub => 'ghost',
                                             client_id => 'ghost')));
hostile('claims not an object', sign($head, '"just a string"'));
hostile('deeply nested claims', sign($head,
        claims() =~ s/\}$/,"x":@{[ '[' x 800 ]}@{[ ']' x 800 ]}}/r));
hostile('signature from another store\'s key',
        sign($head, claims(), $other->store));
hostile('another store\'s token with its own kid',
        sign(qq({"alg":"EdDSA","typ":"at+jwt","kid":"$other_kid"}),
             claims(), $other->store));

# --- encoding games
my ($h, $p, $s) = split /\./, $good;
hostile('base64 padding inside', "$h==.$p.$s");
hostile('base64 padding at the end', "$h.$p.$s==");
(my $std = "$h.$p.$s") =~ tr{-_}{+/};
hostile('standard base64 alphabet', $std) if $std ne $good;
hostile('whitespace inside', "$h. $p.$s");
hostile('trailing garbage', "$good.x");
hostile('empty segments', '..');
hostile('8 KB token', 'a' x 8192);
hostile('lowercase bearer, forged', "$h.$p." . $b64->('x' x 64),
        scheme => 'bearer');

# --- transport games, on a raw socket
sub raw {
    my ($req) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port)
        or die;
    print $sock $req;
    my $resp = do { local $/; <$sock> } // '';
    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    return $status // 0;
}
my $base = "GET /any/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
is(raw($base . "Authorization: Bearer $good\r\n"
       . "Authorization: Bearer $good\r\n\r\n"), 400,
   'two Authorization lines: 400');
is(raw($base . "Authorization: Bearer a\0b\r\n\r\n"), 400,
   'a NUL byte in the header: 400');
my $st64 = raw($base . 'Authorization: Bearer ' . ('a' x 65536) . "\r\n\r\n");
ok($st64 == 400 || $st64 == 401 || $st64 == 494,
   "64 KB token: refused ($st64)");
is($t->get("/any/x?access_token=$good")->{status}, 401,
   'a token in the query string is not accepted');
is($t->request('POST', '/any/x', headers => {
       'Content-Type' => 'application/x-www-form-urlencoded' },
       body => "access_token=$good")->{status}, 401,
   'nor in a form body');

# --- audiences
my $aud_tok = $t->token($cred, audience => 'https://api.example.com');
is($t->get('http://127.0.0.1:' . $t->port_n(3) . '/', $aud_tok)->{status},
   200, 'the configured audience is accepted');
is($t->get('http://127.0.0.1:' . $t->port_n(3) . '/', $good)->{status}, 401,
   'a token for another audience is not');

# --- signing-key rotation
my $before = $t->token($cred);
is($t->get('/any/x', $before)->{status}, 200, 'a token of the first key');
my $new = $t->cli_json('key', 'rotate');
isnt($new->{kid}, $kid, 'key rotate: a new kid');
my $keys = $t->cli_json('key', 'list');
is_deeply([ sort map { "$_->{kid}:$_->{status}" } @$keys ],
          [ sort("$kid:retired", "$new->{kid}:active") ],
          'key list: the old key retired, the new one active');
my $after = $t->token($cred);
is((ApicredTest::jwt_parts($after))[0]{kid}, $new->{kid},
   'new tokens are signed with the new key');
is($t->get('/any/x', $before)->{status}, 200,
   'tokens of the retired key still work');
my ($krc) = $t->cli('key', 'delete', $new->{kid});
is($krc, 1, 'the active key cannot be deleted');
($krc) = $t->cli('key', 'delete', $kid);
is($krc, 0, 'key delete');
is($t->get('/any/x', $before)->{status}, 401,
   'a deleted key\'s token is refused at once, cached or not');
is($t->get('/any/x', $after)->{status}, 200, 'the new key\'s token works');

unlike($t->error_log, qr/\[(alert|crit|emerg)\]|signal \d+/,
       'no worker crashed, nothing alarming logged');

done_testing();
