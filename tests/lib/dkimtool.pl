#!/usr/bin/perl
# dkimtool.pl - Mail::DKIM (libmail-dkim-perl) for the DKIM tests: verify a
# message's signatures against the test DNS server, or sign a message as
# another signer would (RSA only: Mail::DKIM 1.2023 has no Ed25519).
#
#   dkimtool.pl verify PORT FILE      one line per signature: "pass d=... s=..."
#                                     or "fail (why) d=...", exit 0 if all pass
#   dkimtool.pl sign KEY SELECTOR DOMAIN METHOD FILE   signed message on stdout
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my $cmd = shift @ARGV;
if ($cmd eq 'verify') {
	my ($port, $file) = @ARGV;
	Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(
		nameservers => ['127.0.0.1'], port => $port, recurse => 0, udp_timeout => 5));
	my $v = Mail::DKIM::Verifier->new();
	open(my $fh, '<', $file) or die "$file: $!";
	while (<$fh>) {
		s/\r?\n\z/\r\n/;
		$v->PRINT($_);
	}
	$v->CLOSE;
	my $ok = 1;
	my @sigs = $v->signatures;
	print "none\n" unless @sigs;
	foreach my $s (@sigs) {
		my $r = $s->result;
		printf "%s d=%s s=%s a=%s\n", $s->result_detail, $s->domain, $s->selector,
			$s->algorithm;
		$ok = 0 if $r ne 'pass';
	}
	exit(@sigs && $ok ? 0 : 1);
} elsif ($cmd eq 'sign') {
	my ($key, $selector, $domain, $method, $file) = @ARGV;
	my $s = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256', Method => $method,
		Domain => $domain, Selector => $selector, KeyFile => $key);
	open(my $fh, '<', $file) or die "$file: $!";
	my $msg = do { local $/; <$fh> };
	$msg =~ s/\r?\n/\r\n/g;
	$s->PRINT($msg);
	$s->CLOSE;
	print $s->signature->as_string, "\r\n", $msg;
} else {
	die "usage: dkimtool.pl verify PORT FILE | sign KEY SELECTOR DOMAIN METHOD FILE\n";
}
