package ApicredTest;

# A small harness in the style of nginx-tests: a real nginx on free loopback
# ports with a temporary prefix, a real LMDB store made by apicredctl, real
# HTTP. Core Perl only.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep);

our $MODULE = $ENV{APICRED_MODULE} // abs_path('build/ngx_http_apicred_module.so');
our $CLI    = $ENV{APICRED_CLI}    // abs_path('build/apicredctl');
our $NGINX  = $ENV{APICRED_NGINX}  // '/usr/sbin/nginx';

my $json = JSON::PP->new->canonical;

# make test-asan: sanitizer runtimes to preload into nginx, and where the
# reports of every nginx and CLI run go; any report fails the test file
our $PRELOAD = $ENV{APICRED_PRELOAD};
our $SANITIZER_LOGS = tempdir('apicred-san-XXXXXX', TMPDIR => 1, CLEANUP => 1);
if ($PRELOAD || $CLI =~ /asan/) {
    $ENV{ASAN_OPTIONS} = "detect_leaks=0:log_path=$SANITIZER_LOGS/asan";
    $ENV{UBSAN_OPTIONS} = "print_stacktrace=1:log_path=$SANITIZER_LOGS/ubsan";
}

our @DIRS;

END {
    my @reports = glob("$SANITIZER_LOGS/*");
    # nginx's stderr is its error log: reports may land there too
    push @reports, grep { ApicredTest::slurp($_) =~
                              /AddressSanitizer|runtime error:/ }
                   map { "$_/error.log" } @DIRS;
    if (@reports) {
        local $/;
        for my $f (@reports) {
            open my $fh, '<', $f or next;
            print STDERR "# sanitizer report $f:\n", <$fh>;
        }
        $? = 1;
    }
}

sub new {
    my ($class, %opts) = @_;
    my $self = bless {}, $class;
    $self->{dir} = tempdir('apicred-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $self->{dir};
    push @DIRS, $self->{dir};
    $self->{store} = "$self->{dir}/store";
    $self->{log_level} = $opts{log_level} // 'info';
    $self->{main} = $opts{main};
    $self->{user} = getpwuid($>);
    $self->{port} = free_port();
    $self->{port2} = free_port();
    $self->{http} = HTTP::Tiny->new(timeout => 10, max_redirect => 0,
                                    keep_alive => 0);
    $self->init_store unless $opts{no_store};
    return $self;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Extra ports for tests that need more servers: %%PORT3%% and up.
sub port_n {
    my ($self, $n) = @_;
    return $self->{ports}{$n} //= free_port();
}

sub dir   { $_[0]{dir} }
sub store { $_[0]{store} }
sub port  { $_[0]{port} }

sub init_store {
    my ($self) = @_;
    my ($rc, $out, $err) = $self->cli('init', '--user', $self->{user});
    die "init failed: $err" if $rc;
}

# Runs apicredctl on this store: (exit code, stdout, stderr).
sub cli {
    my ($self, @args) = @_;
    return cli_raw($self->{store}, @args);
}

# Runs apicredctl on any store directory.
sub cli_raw {
    my ($store, @args) = @_;
    my $tmp = tempdir('apicred-cli-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $out = "$tmp/out";
    my $err = "$tmp/err";
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', $out or die;
        open STDERR, '>', $err or die;
        open STDIN, '<', '/dev/null' or die;
        exec $CLI, '-s', $store, @args or die "exec $CLI: $!";
    }
    waitpid($pid, 0);
    my $rc = $? >> 8;
    return ($rc, slurp($out), slurp($err));
}

# apicredctl --json ..., decoded; dies when it fails.
sub cli_json {
    my ($self, @args) = @_;
    my ($rc, $out, $err) = $self->cli('--json', @args);
    die "apicredctl @args: exit $rc: $err" if $rc;
    return $json->decode($out);
}

# Creates a credential; returns the object with client_secret.
sub create {
    my ($self, $name, @grants) = @_;
    return $self->cli_json('create', '--name', $name,
                           map { ('--grant', $_) } @grants);
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

# Writes nginx.conf around the http{} body given, with %%PORT%%, %%PORT2%%,
# %%STORE%% and %%DIR%% replaced.
sub write_conf {
    my ($self, $http) = @_;
    my $user = $> == 0 ? "user root;" : "";
    $http =~ s/%%PORT%%/$self->{port}/g;
    $http =~ s/%%PORT2%%/$self->{port2}/g;
    $http =~ s/%%PORT(\d+)%%/$self->port_n($1)/ge;
    $http =~ s/%%STORE%%/$self->{store}/g;
    $http =~ s/%%DIR%%/$self->{dir}/g;
    my $main = $self->{main} // '';
    my $conf = <<"END";
load_module $MODULE;
$main
$user
daemon off;
worker_processes 1;
pid $self->{dir}/nginx.pid;
error_log $self->{dir}/error.log $self->{log_level};
events { worker_connections 256; }
http {
    access_log $self->{dir}/access.log;
    client_body_temp_path $self->{dir}/body;
    proxy_temp_path $self->{dir}/proxy;
    fastcgi_temp_path $self->{dir}/fastcgi;
    uwsgi_temp_path $self->{dir}/uwsgi;
    scgi_temp_path $self->{dir}/scgi;
$http
}
END
    open my $fh, '>', "$self->{dir}/nginx.conf" or die;
    print $fh $conf;
    close $fh;
    return "$self->{dir}/nginx.conf";
}

# nginx -t on a config: (exit code, output).
sub test_conf {
    my ($self, $http) = @_;
    my $conf = $self->write_conf($http);
    local $ENV{LD_PRELOAD} = $PRELOAD if $PRELOAD;
    my $out = `$NGINX -t -p $self->{dir} -e $self->{dir}/error.log -c $conf 2>&1`;
    return ($? >> 8, $out);
}

sub start {
    my ($self, $http) = @_;
    my $conf = $self->write_conf($http);
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$self->{dir}/nginx.out";
        open STDERR, '>>', "$self->{dir}/nginx.out";
        $ENV{LD_PRELOAD} = $PRELOAD if $PRELOAD;
        # APICRED_WRAP="valgrind --trace-children=yes ...": run under a tool
        exec split(' ', $ENV{APICRED_WRAP} // ''), $NGINX, '-p', $self->{dir},
             '-e', "$self->{dir}/error.log", '-c', $conf or die "exec: $!";
    }
    $self->{pid} = $pid;
    for (1 .. ($ENV{APICRED_WRAP} ? 600 : 100)) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$self->{port}");
        if ($s) { close $s; return $self; }
        die "nginx exited:\n" . slurp("$self->{dir}/nginx.out")
            . slurp("$self->{dir}/error.log")
            if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    die "nginx did not start";
}

# The pid of the (single) worker process.
sub worker_pid {
    my ($self) = @_;
    for (1 .. 50) {
        my ($pid) = grep { /^\d+$/ } map { (split)[0] }
            `ps -o pid= --ppid $self->{pid}`;
        return $pid if $pid;
        sleep 0.1;
    }
    die "no worker";
}

# SIGKILL to the workers and the master: a crash, not a shutdown.
sub kill9 {
    my ($self) = @_;
    my @workers = grep { /^\d+$/ } map { (split)[0] }
        `ps -o pid= --ppid $self->{pid}`;
    kill 'KILL', @workers, $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'QUIT', $self->{pid};
    for (1 .. 100) {
        last if waitpid($self->{pid}, WNOHANG) == $self->{pid};
        sleep 0.05;
    }
    kill 'KILL', $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

sub DESTROY { local $?; $_[0]->stop }

sub error_log  { slurp("$_[0]{dir}/error.log") }
sub access_log { slurp("$_[0]{dir}/access.log") }

# HTTP request: returns HTTP::Tiny's response hash.
sub request {
    my ($self, $method, $path, %opts) = @_;
    my %args = (headers => $opts{headers} // {});
    $args{content} = $opts{body} if defined $opts{body};
    my $url = $path =~ m{^http://} ? $path
                                    : "http://127.0.0.1:$self->{port}$path";
    return $self->{http}->request($method, $url, \%args);
}

sub get {
    my ($self, $path, $token, %h) = @_;
    $h{Authorization} = "Bearer $token" if defined $token;
    return $self->request('GET', $path, headers => \%h);
}

sub post_json {
    my ($self, $path, $obj, %h) = @_;
    return $self->request('POST', $path,
        headers => { 'Content-Type' => 'application/json', %h },
        body => ref $obj ? $json->encode($obj) : $obj);
}

# A token for the credential (an object with client_id and client_secret).
sub token {
    my ($self, $cred, %extra) = @_;
    my $r = $self->post_json('/oauth/token', {
        client_id => $cred->{client_id},
        client_secret => $cred->{client_secret},
        grant_type => 'client_credentials', %extra });
    die "token: $r->{status} $r->{content}" unless $r->{status} == 200;
    return $json->decode($r->{content})->{access_token};
}

# An admin API call: (status, decoded body or undef, raw response).
sub admin {
    my ($self, $method, $path, $token, $body, %h) = @_;
    $h{Authorization} = "Bearer $token" if defined $token;
    my %opts = (headers => \%h);
    if (defined $body) {
        $h{'Content-Type'} //= 'application/json';
        $opts{body} = ref $body ? $json->encode($body) : $body;
    }
    my $r = $self->request($method, "/apicred/$path", %opts);
    my $decoded = eval { $json->decode($r->{content}) };
    return ($r->{status}, $decoded, $r);
}

sub decode_json { $json->decode($_[1]) }
sub encode_json { $json->encode($_[1]) }

sub b64url {
    my $s = encode_base64($_[0], '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

sub unb64url {
    my $s = $_[0];
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

# Decodes a JWT into (header, claims, signing input, signature).
sub jwt_parts {
    my ($token) = @_;
    my ($h, $p, $s) = split /\./, $token;
    return ($json->decode(unb64url($h)), $json->decode(unb64url($p)),
            "$h.$p", unb64url($s));
}

# The configuration most tests use: a token endpoint, protected APIs in
# front of an upstream that echoes what the module passed on.
sub standard_conf {
    my ($extra) = @_;
    $extra //= '';
    my $pass = <<'END';
            proxy_set_header X-Client-Id $apicred_client_id;
            proxy_set_header X-Org-Id $apicred_org_id;
            proxy_set_header X-Cred-Name $apicred_credential_name;
            proxy_set_header X-Permission $apicred_permission;
            proxy_set_header X-Token-Id $apicred_token_id;
            proxy_pass http://127.0.0.1:%%PORT2%%;
END
    return <<"END";
    apicred_store %%STORE%%;
$extra
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /oauth/token { apicred_token_endpoint; }
        location /apicred/ { apicred_admin_api; }
        location /platform/ {
            apicred platform;
            apicred_permission admin user;
            apicred_scope \$arg_accountId;
$pass
        }
        location /platform-admin/ {
            apicred platform;
            apicred_permission admin;
            apicred_scope \$arg_accountId;
$pass
        }
        location /profile/ {
            apicred profile;
            apicred_scope \$arg_workspaceId;
$pass
        }
        location /any/ {
            apicred platform;
$pass
        }
        location /static/ {
            apicred data_planning;
            apicred_scope \$arg_workspaceId;
            empty_gif;
        }
    }
    server {
        listen 127.0.0.1:%%PORT2%%;
        location / {
            return 200 "client=\$http_x_client_id org=\$http_x_org_id name=\$http_x_cred_name perm=\$http_x_permission jti=\$http_x_token_id\\n";
        }
    }
END
}

1;
