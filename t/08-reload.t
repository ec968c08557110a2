#!/usr/bin/perl

# Reload under load: wrk (bounded, loopback) against a protected location
# while nginx reloads several times, then while apicredctl writes. Not one
# non-2xx answer, not one socket error. Requests say "Connection: close":
# a worker that retires closes its idle keep-alive connections, and a
# client that sends on one at that instant sees a reset (HTTP lets servers
# do that; clients retry). That is nginx's, not the module's, and would
# hide what this test is for: no request fails because of a reload.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use ApicredTest;

my ($wrk) = grep { -x } map { "$_/wrk" } split /:/, $ENV{PATH};

plan skip_all => 'wrk is not installed' unless $wrk;

my $t = ApicredTest->new;
my $conf = ApicredTest::standard_conf() . <<'END';
    server {
        listen 127.0.0.1:%%PORT3%%;
        location = /gif {
            apicred platform;
            apicred_scope $arg_accountId;
            empty_gif;
        }
    }
END
$t->start($conf);

my $cred = $t->create('load', 'platform:user:account=1');
my $token = $t->token($cred);
my $url = 'http://127.0.0.1:' . $t->port_n(3) . '/gif?accountId=1';

sub load {
    my ($seconds, $during) = @_;
    my $out = $t->dir . '/wrk.out';
    my $pid = fork() // die;
    if ($pid == 0) {
        open STDOUT, '>', $out or die;
        exec $wrk, '-t1', '-c8', "-d${seconds}s", '-H', 'Connection: close',
             '-H', "Authorization: Bearer $token", $url or exit 9;
    }
    sleep 0.3;
    $during->();
    waitpid($pid, 0);
    return ApicredTest::slurp($out);
}

sub clean {
    my ($out, $name) = @_;
    my ($n) = $out =~ /(\d+) requests in/;
    ok($n && $n > 100, "$name: " . ($n // 0) . ' requests');
    unlike($out, qr/Non-2xx/, "$name: no non-2xx answers");
    unlike($out, qr/Socket errors/, "$name: no socket errors");
}

my $reloads = 0;
clean(load(4, sub {
    for (1 .. 5) {
        kill 'HUP', $t->{pid} and $reloads++;
        sleep 0.5;
    }
}), 'five reloads');
is($reloads, 5, 'nginx was reloaded five times');
like($t->error_log, qr/reconfiguring/, 'the error log shows the reloads');

my $writes = 0;
clean(load(3, sub {
    for my $i (1 .. 15) {
        my ($rc) = $t->cli('create', '--name', "w$i", '--grant',
                           'platform:user:account=1');
        $writes++ if $rc == 0;
    }
}), 'apicredctl writing');
is($writes, 15, 'apicredctl wrote fifteen credentials meanwhile');

done_testing();
