# safold.pl - SpamAssassin's own header folding (PerMsgStatus::_process_header
# with fold_headers on), for tests/house/sa_fold.sh: same input and output
# format as tests/tools/foldsa.c.
use strict; use Mail::SpamAssassin::Util;
# Reads "Name<TAB>value" lines, prints SA's folded data part, JSON-escaped-ish.
while (my $l = <STDIN>) { chomp $l; my ($n,$v) = split /\t/, $l, 2;
  my $hdr = "$n!!$v";
  $hdr = Mail::SpamAssassin::Util::wrap($hdr, "\t", "", 79, 0, '(?<=[\s,])');
  $hdr =~ s/^\s*\n//gm;
  my $d = (split (/!!/, $hdr, 2))[1];
  $d =~ s/\\/\\\\/g; $d =~ s/\n/\\n/g; $d =~ s/\t/\\t/g; print "$d\n"; }
