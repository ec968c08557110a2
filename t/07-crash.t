#!/usr/bin/perl

# Crash safety: admin writes while nginx is killed with SIGKILL at random
# moments, and CLI writes killed the same way. Every write acknowledged
# with a 2xx (or exit 0) is there afterwards, and "apicredctl check" finds
# the store consistent.

use strict;
use warnings;
use Test::More;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep);
use lib 't/lib';
use ApicredTest;

my $t = ApicredTest->new;
my $conf = ApicredTest::standard_conf();
$t->start($conf);

my $admin = $t->create('root', 'credentials:admin');
my $token = $t->token($admin);
my $log = $t->dir . '/writes';

# the writer: create, then rename, each logged once acknowledged
my $writer = fork() // die;
if ($writer == 0) {
    open my $fh, '>>', $log or die;
    $fh->autoflush(1);
    for (my $i = 1; ; $i++) {
        my ($st, $b) = $t->admin('POST', 'credentials', $token,
            { name => "c$i", grants => [
                { api => 'platform', permission => 'user', accounts => [1] }
            ] });
        if ($st != 201) {
            sleep 0.02;
            next;
        }
        print $fh "C $b->{client_id} c$i\n";
        print $fh "T $b->{client_id} e$i\n";
        ($st) = $t->admin('PATCH', "credentials/$b->{client_id}", $token,
                          { name => "e$i" });
        print $fh "E $b->{client_id} e$i\n" if $st == 200;
    }
}

srand(42);
for my $round (1 .. 6) {
    sleep 0.2 + rand(0.5);
    $t->kill9;
    $t->start($conf);
}
sleep 0.3;
kill 'KILL', $writer;
waitpid($writer, 0);

# CLI writes killed at random moments
my @cli_acked;
for my $n (1 .. 12) {
    my $out = $t->dir . "/cli$n";
    my $pid = fork() // die;
    if ($pid == 0) {
        open STDOUT, '>', $out or die;
        open STDERR, '>', '/dev/null';
        exec $ApicredTest::CLI, '-s', $t->store, '--json', 'create',
             '--name', "cli$n", '--grant', 'platform:user:account=1' or exit 9;
    }
    sleep rand(0.01);
    kill 'KILL', $pid;
    waitpid($pid, 0);
    if ($? == 0) {
        my $c = eval { $t->decode_json(ApicredTest::slurp($out)) };
        push @cli_acked, $c->{client_id} if $c;
    }
}
$t->stop;

# what was acknowledged is there
my %now = map { $_->{client_id} => $_ } @{ $t->cli_json('list') };
my (%created, %edited, %tried);
open my $fh, '<', $log or die;
while (<$fh>) {
    my ($what, $id, $name) = split;
    $created{$id} = $name if $what eq 'C';
    $edited{$id} = $name if $what eq 'E';
    $tried{$id} = $name if $what eq 'T';
}
ok(keys %created > 5, scalar(keys %created) . ' creates acknowledged');
my @lost = grep { !$now{$_} } keys %created;
is(scalar @lost, 0, 'every acknowledged create survived the crashes');
my @unedited = grep { $now{$_} && $now{$_}{name} ne $edited{$_} }
               keys %edited;
is(scalar @unedited, 0, 'every acknowledged edit survived');
my @odd = grep { $now{$_} && $now{$_}{name} ne $created{$_}
                 && $now{$_}{name} ne ($tried{$_} // '') } keys %created;
is(scalar @odd, 0, 'no credential holds a name nobody wrote');
my @cli_lost = grep { !$now{$_} } @cli_acked;
is(scalar @cli_lost, 0, scalar(@cli_acked) . ' CLI creates that exited 0 '
   . 'survived SIGKILL of the others');

my ($rc, $out) = $t->cli('check');
is($rc, 0, 'apicredctl check: exit 0');
like($out, qr/^ok: \d+ credentials/m, 'apicredctl check: consistent');

# and the store still serves
$t->start($conf);
is($t->get('/platform/x?accountId=1',
           $t->token($admin))->{status}, 403,
   'nginx serves from the store after the crashes');
my ($st) = $t->admin('GET', 'credentials', $t->token($admin));
is($st, 200, 'and the admin API answers');

done_testing();
