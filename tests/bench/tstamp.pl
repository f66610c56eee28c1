#!/usr/bin/perl
# tstamp.pl CMD...: runs CMD (its stdout to /dev/null) and prints each line
# of its stderr prefixed by the milliseconds since just before the fork, then
# "MS END STATUS" when it has exited.  For the phase breakdown of `xkvm -v`.
use strict;
use warnings;
use Time::HiRes qw(time);

pipe(my $r, my $w) or die "tstamp: pipe: $!\n";
my $t0 = time;
my $pid = fork() // die "tstamp: fork: $!\n";
if (!$pid) {
	close $r;
	open(STDERR, '>&', $w) or exit 127;
	open(STDOUT, '>', '/dev/null') or exit 127;
	close $w;
	exec { $ARGV[0] } @ARGV or exit 127;
}
close $w;
$| = 1;
while (my $l = <$r>) {
	printf "%.3f %s", (time - $t0) * 1000, $l;
}
waitpid($pid, 0);
printf "%.3f END %d\n", (time - $t0) * 1000, $? >> 8;
