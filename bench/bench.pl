#!/usr/bin/perl

# make bench: what the access check costs, side by side with what users
# would otherwise deploy. One nginx worker pinned to CPU 0, wrk pinned to
# CPU 1; every variant is "location = /x { <check>; empty_gif; }"; rounds
# are interleaved; the figure that counts is the worker's CPU time per
# request (from /proc/<pid>/schedstat), since wrk can be the bottleneck.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use ApicredTest;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 ();
use POSIX qw(strftime);
use Time::HiRes qw(sleep);

my $ROUNDS   = $ENV{BENCH_ROUNDS}   // 5;
my $DURATION = $ENV{BENCH_DURATION} // 2;
my $BIG      = $ENV{BENCH_BIG}      // 1_000_000;
my $CONNS    = 32;
my $GEN      = "$FindBin::Bin/../build/gen_store";
my $OUT      = "$FindBin::Bin/RESULTS.md";

my $njs = -f '/usr/lib/nginx/modules/ngx_http_js_module.so';

sub conf {
    my ($dir) = @_;
    my $js = $njs ? "js_import jwt from $FindBin::Bin/jwt.js;\n"
                    . "    js_set \$jwt_ok jwt.verify;" : '';
    return <<"END";
    apicred_store %%STORE%%;
    access_log off;
    $js
    upstream authsvc {
        server 127.0.0.1:%%PORT3%%;
        keepalive 16;
    }
    server {
        listen 127.0.0.1:%%PORT%% backlog=4096;
        keepalive_requests 1000000;
        location = /oauth/token { apicred_token_endpoint; }
        location /apicred/ { apicred_admin_api; }

        location = /unprotected { empty_gif; }
        location = /auth_basic {
            auth_basic bench;
            auth_basic_user_file $dir/htpasswd;
            empty_gif;
        }
        location = /auth_request { auth_request /_ok; empty_gif; }
        location = /_ok { internal; return 204; }
        location = /auth_service { auth_request /_svc; empty_gif; }
        location = /_svc {
            internal;
            proxy_pass http://authsvc;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location = /njs {
            if (\$jwt_ok != 1) { return 401; }
            empty_gif;
        }
        location = /apicred {
            apicred profile;
            apicred_permission read_only;
            apicred_scope 1;
            empty_gif;
        }
    }
    server {
        listen 127.0.0.1:%%PORT3%%;
        keepalive_requests 1000000;
        location / { return 204; }
    }
END
}

sub b64url { ApicredTest::b64url(@_) }

# --- stores and nginx

print "setting up (a store of $BIG credentials takes a moment)...\n";
my $main = 'worker_cpu_affinity 01;'
           . ($njs ? "\nload_module /usr/lib/nginx/modules/ngx_http_js_module.so;" : '');

my $t = ApicredTest->new(main => $main);
system('htpasswd', '-bcs', $t->dir . '/htpasswd', 'bench', 'bench-password')
    == 0 or die "htpasswd";
system($GEN, $t->store, 99) == 0 or die "gen_store";
$t->start(conf($t->dir));

my $big = ApicredTest->new(main => $main);
system($GEN, $big->store, $BIG - 1) == 0 or die "gen_store";
system('htpasswd', '-bcs', $big->dir . '/htpasswd', 'bench', 'x') == 0 or die;
$big->start(conf($big->dir));

my $cred = $t->create('bench', 'profile:read_only:account=1',
                      'credentials:admin');
my $bigcred = $big->create('bench', 'profile:read_only:account=1');
my $token = $t->token($cred);
my $bigtoken = $big->token($bigcred);

my $hs_head = b64url('{"alg":"HS256","typ":"JWT"}');
my $hs_body = b64url('{"sub":"bench","exp":' . (time + 3600) . '}');
my $hs = "$hs_head.$hs_body." . b64url(hmac_sha256("$hs_head.$hs_body",
                                        'bench-hs256-secret-bench-hs256-secret'));

sub lua {
    my ($name, $code) = @_;
    my $f = $t->dir . "/$name.lua";
    open my $fh, '>', $f or die;
    print $fh $code;
    close $fh;
    return $f;
}

my $token_body = $t->encode_json({ client_id => $cred->{client_id},
    client_secret => $cred->{client_secret},
    grant_type => 'client_credentials' });
# distinct tokens, many more than the cache holds: every request verifies
my $tokens_file = $t->dir . '/tokens';
my $issue_lua = lua('issue', sprintf(<<'END', $token_body, $tokens_file));
wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Content-Type"] = "application/json"
local out = io.open("%s", "a")
response = function(status, headers, body)
    local tok = body:match('"access_token":"([^"]+)"')
    if tok then out:write(tok, "\n") end
end
END
system('wrk', '-t1', '-c1', '-d2s', '-s', $issue_lua,
       'http://127.0.0.1:' . $t->port . '/oauth/token') == 0 or die 'wrk';

my $cold_lua = lua('cold', <<"END");
local tokens = {}
for line in io.lines("$tokens_file") do tokens[#tokens + 1] = line end
local i = 0
request = function()
    i = i % #tokens + 1
    return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end
END
my $token_lua = lua('token', sprintf(<<'END', $token_body));
wrk.method = "POST"
wrk.body = '%s'
wrk.headers["Content-Type"] = "application/json"
END
my $admin_lua = lua('admin', <<'END');
wrk.method = "POST"
wrk.body = '{"name": "bench-create", "grants": [{"api": "profile", "permission": "read_only", "accounts": [1]}]}'
wrk.headers["Content-Type"] = "application/json"
END

my $bearer = "Bearer $token";
my @variants = (
    [ 'unprotected', $t, '/unprotected', $bearer ],
    [ 'auth_basic', $t, '/auth_basic',
      'Basic ' . MIME::Base64::encode_base64('bench:bench-password', '') ],
    [ 'auth_request, lower bound', $t, '/auth_request', $bearer ],
    [ 'auth_request to an auth service', $t, '/auth_service', $bearer ],
    ($njs ? ([ 'njs HS256 JWT', $t, '/njs', "Bearer $hs" ]) : ()),
    [ 'apicred, warm', $t, '/apicred', $bearer ],
    [ 'apicred, cold (Ed25519 each request)', $t, '/apicred', undef,
      $cold_lua ],
    [ 'token endpoint', $t, '/oauth/token', undef, $token_lua ],
    [ "apicred, warm, $BIG credentials", $big, '/apicred',
      "Bearer $bigtoken" ],
);

# BENCH_ONLY=token: just the variants whose name has that text (partial runs
# print their table but leave RESULTS.md alone)
@variants = grep { $_->[0] eq 'unprotected' || !$ENV{BENCH_ONLY}
                   || index($_->[0], $ENV{BENCH_ONLY}) >= 0 } @variants;

sub cpu_ns {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/schedstat" or die "schedstat: $!";
    my ($ns) = split ' ', scalar <$fh>;
    return $ns;
}

sub rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or die;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+)/ }
    return 0;
}

sub wrk {
    my ($srv, $path, $auth, $script, $conns, $dur) = @_;
    my @cmd = ('taskset', '-c', '1', 'wrk', '-t1', '-c', $conns // $CONNS,
               '-d', ($dur // $DURATION) . 's', '--latency');
    push @cmd, '-H', "Authorization: $auth" if defined $auth;
    push @cmd, '-s', $script if $script;
    push @cmd, 'http://127.0.0.1:' . $srv->port . $path;
    my $pid = $srv->worker_pid;
    my $c0 = cpu_ns($pid);
    my $out = `@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1`;
    my $c1 = cpu_ns($pid);
    my ($n) = $out =~ /(\d+) requests in/;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my ($p50) = $out =~ /\s50%\s+([\d.]+\w+)/;
    my ($p99) = $out =~ /\s99%\s+([\d.]+\w+)/;
    my ($bad) = $out =~ /Non-2xx or 3xx responses: (\d+)/;
    my ($err) = $out =~ /Socket errors: (.*)/;
    die "wrk failed: $out" unless $n;
    return { n => $n, cpu => $c1 - $c0, rps => $rps, p50 => $p50,
             p99 => $p99, bad => $bad // 0, err => $err };
}

my $rss_before = rss_kb($big->worker_pid);

# warm both workers up, then interleave the rounds
wrk($_->[1], $_->[2], $_->[3], $_->[4], 8, 1) for @variants;

# Each variant runs right next to a run of "unprotected" on the same nginx,
# in alternating order: the machine's noise drifts over seconds, so only
# ratios of adjacent runs are compared.
my (%res, %pair);
my ($base_v) = grep { $_->[0] eq 'unprotected' } @variants;
for my $round (1 .. $ROUNDS) {
    for my $v (grep { $_ != $base_v } @variants) {
        my @runs = ([ $v->[1], '/unprotected', $base_v->[3] ], [ @$v[1 .. 4] ]);
        @runs = reverse @runs if $round % 2 == 0;
        my @r = map { wrk(@$_) } @runs;
        @r = reverse @r if $round % 2 == 0;
        my ($b, $m) = @r;
        push @{ $res{unprotected} }, $b;
        push @{ $res{$v->[0]} }, $m;
        push @{ $pair{$v->[0]} }, ($b->{cpu} / $b->{n}) / ($m->{cpu} / $m->{n});
        printf "round %d  %-40s %9.0f req/s  %6.2f us CPU/req  ratio %.3f%s\n",
               $round, $v->[0], $m->{rps}, $m->{cpu} / $m->{n} / 1000,
               $pair{$v->[0]}[-1],
               $m->{bad} ? "  ($m->{bad} non-2xx!)" : '';
    }
    # the store's size, side by side: 100 against many credentials
    my @r = map { wrk(@$_) } ([ $t, '/apicred', $bearer ],
                              [ $big, '/apicred', "Bearer $bigtoken" ]);
    push @{ $pair{scale} }, ($r[0]{cpu} / $r[0]{n}) / ($r[1]{cpu} / $r[1]{n});
}

my $rss_after = rss_kb($big->worker_pid);

# admin API creates: one durable LMDB commit each
my $adm = $t->token($cred);
my $admin = wrk($t, '/apicred/credentials', "Bearer $adm", $admin_lua, 4, 3);

sub median {
    my @s = sort { $a <=> $b } @_;
    return $s[$#s / 2];
}

sub ms {
    my ($s) = @_;
    return $1 / 1000 if $s =~ /^([\d.]+)us$/;
    return $1 if $s =~ /^([\d.]+)ms$/;
    return $1 * 1000 if $s =~ /^([\d.]+)s$/;
    return 0;
}

my (%cpu, %ratio);
for my $v (@variants) {
    $cpu{$v->[0]} = median(map { $_->{cpu} / $_->{n} / 1000 } @{ $res{$v->[0]} });
    $ratio{$v->[0]} = $v == $base_v ? 1 : median(@{ $pair{$v->[0]} });
}
# how much more a variant costs than another, from their paired ratios
sub ratio_to {
    my ($num, $den) = @_;
    return $ratio{$den} / $ratio{$num};
}

my $cpuinfo = `grep -m1 'model name' /proc/cpuinfo`;
$cpuinfo =~ s/.*:\s*//;
chomp $cpuinfo;
my $nproc = `nproc`;
chomp $nproc;

my $md = "# Benchmark results\n\n"
    . strftime('%Y-%m-%d %H:%M UTC', gmtime) . ", $nproc CPUs ($cpuinfo), "
    . "nginx " . (`nginx -v 2>&1` =~ m{nginx/(\S+)})[0]
    . ", 1 worker on CPU 0, wrk -t1 -c$CONNS on CPU 1, $ROUNDS interleaved "
    . "rounds of ${DURATION}s.\n\n"
    . "| variant | requests/s | p50 ms | p99 ms | CPU µs/request | ratio |\n"
    . "|---|---:|---:|---:|---:|---:|\n";
for my $v (@variants) {
    my $rs = $res{$v->[0]};
    $md .= sprintf "| %s | %.0f | %.3f | %.3f | %.2f | %.2f |\n", $v->[0],
        median(map { $_->{rps} } @$rs), median(map { ms($_->{p50}) } @$rs),
        median(map { ms($_->{p99}) } @$rs), $cpu{$v->[0]},
        $ratio{$v->[0]};
}
$md .= sprintf "\nCPU µs/request: the median over rounds. ratio: the median "
    . "over rounds of unprotected's CPU per request / the variant's, from "
    . "two adjacent runs on the same nginx (the machine's noise drifts over "
    . "seconds; adjacent runs share it).\n"
    . "Admin API creates (durable commits, 4 connections): %.0f/s.\n"
    . "Worker RSS with $BIG credentials: %.1f MB before, %.1f MB after "
    . "the runs.\n", $admin->{rps}, $rss_before / 1024, $rss_after / 1024;

my @targets;
sub target {
    my ($name, $value, $need) = @_;
    push @targets, sprintf "target %s: %.2f (need >= %s) %s", $name, $value,
        $need, $value >= $need ? 'PASS' : 'FAIL';
}
my $warm = 'apicred, warm';
target('apicred warm vs unprotected', $ratio{$warm}, 0.95) if $ratio{$warm};
target('apicred warm vs njs JWT', ratio_to('njs HS256 JWT', $warm), 2.5)
    if $ratio{'njs HS256 JWT'} && $ratio{$warm};
target('apicred warm vs auth service',
       ratio_to('auth_request to an auth service', $warm), 2.5)
    if $ratio{'auth_request to an auth service'} && $ratio{$warm};
target('apicred warm vs auth_basic', ratio_to('auth_basic', $warm), 1.0)
    if $ratio{auth_basic} && $ratio{$warm};
target('token endpoint vs unprotected', $ratio{'token endpoint'}, 0.20)
    if $ratio{'token endpoint'};
target("$BIG credentials vs 100", median(@{ $pair{scale} }), 0.95);
my $growth = ($rss_after - $rss_before) / 1024;
push @targets, sprintf "target worker RSS growth with $BIG credentials: "
    . "%.1f MB (need <= 8) %s", $growth, $growth <= 8 ? 'PASS' : 'FAIL';

my $bad = 0;
$bad += $_->{bad} for map { @$_ } values %res;
$md .= "Non-2xx responses in the measured runs: $bad.\n\n```\n"
    . join("\n", @targets) . "\n```\n";

if (!$ENV{BENCH_ONLY}) {
    open my $fh, '>', $OUT or die;
    print $fh $md;
    close $fh;
}
print "\n$md";
