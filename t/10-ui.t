#!/usr/bin/perl

# The admin console (ui/) in a real browser: Debian's chromium driven by
# playwright-core (tests/ui/flow.mjs), against nginx serving ui/ next to the
# admin API and a protected location.

use strict;
use warnings;
use Test::More;
use Cwd qw(abs_path);
use lib 't/lib';
use ApicredTest;

my $chromium = $ENV{CHROMIUM} // '/usr/bin/chromium';
plan skip_all => 'chromium or playwright-core missing (make test installs them)'
    unless -x $chromium && -d 'tests/ui/node_modules/playwright-core';

my $ui = abs_path('ui');
# screenshots go to build/ unless asked for (make screenshots refreshes the
# ones in ui/screenshots that README shows)
my $shots = $ENV{APICRED_SCREENSHOTS} // 'build/screenshots';
mkdir 'build';
mkdir $shots;
$shots = abs_path($shots);
my $t = ApicredTest->new;
$t->cli('account', 'add', '--id', 2, '--org', 1, '--name', 'Acme EU');
$t->cli('workspace', 'add', '--id', 20, '--account', 2, '--name', 'Web');
$t->cli('workspace', 'add', '--id', 21, '--account', 2, '--name', 'Mobile');
$t->start(ApicredTest::standard_conf() . <<"END");
    server {
        listen 127.0.0.1:%%PORT3%%;
        location = /oauth/token { apicred_token_endpoint; }
        location /apicred/ { apicred_admin_api; }
        location /apicred/ui/ {
            alias $ui/;
            types { text/html html; text/css css; text/javascript js; }
        }
        location /profile/ {
            apicred profile;
            apicred_scope \$arg_workspaceId;
            empty_gif;
        }
    }
END

my $admin = $t->create('console admin', 'credentials:admin');
my $ro = $t->create('auditor', 'credentials:read_only');
$t->create('reporting', 'platform:user:account=2');

my $out = `cd tests/ui && BASE=http://127.0.0.1:@{[ $t->port_n(3) ]} \\
    ADMIN_ID=$admin->{client_id} ADMIN_SECRET=$admin->{client_secret} \\
    RO_ID=$ro->{client_id} RO_SECRET=$ro->{client_secret} \\
    SHOTS=$shots CHROMIUM=$chromium node flow.mjs 2>&1`;

my $n = 0;
for my $line (split /\n/, $out) {
    my $r = eval { $t->decode_json($line) };
    if (!$r) {
        diag($line);
        next;
    }
    $n++;
    ok($r->{ok}, $r->{name}) or diag($r->{detail} // '');
}
ok($n >= 18, "the browser flow reported $n checks");
ok(-s "$shots/$_.png", "screenshot $_.png") for qw(list create secret);

done_testing();
