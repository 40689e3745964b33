#!/bin/sh
# make run: start the relay on its embedded defaults (see README.md): data in
# ./var, QUIC on UDP 4433, HTTPS API on TCP 4433, plain HTTP on 127.0.0.1:8080.
set -eu
exec "$1"
