#!/bin/sh
# make run: start the relay on its embedded defaults (see README.md).
set -eu
relay=$1
mkdir -p var
exec "$relay" --data-dir var --listen 4433/udp \
	--api-listen https://0.0.0.0:4433 --api-listen http://127.0.0.1:8080
