#!/bin/sh
# run.sh BINARY CONFIG - `make run`: the daemon in the foreground, logging to
# standard error, on the sample config as it stands.
set -eu
bin=$1 conf=$2
echo "chainmilter: starting $bin -f -c $conf (Ctrl-C stops it)"
echo "chainmilter: point Postfix at it with: smtpd_milters = inet:localhost:54321"
exec "$bin" -f -c "$conf"
