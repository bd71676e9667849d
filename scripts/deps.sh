#!/bin/sh
# Installs the Debian packages ztrun needs, only those missing. usage: deps.sh [build|test]
# "build": compilers and libraries; "test": also the real servers and clients the tests run.
set -eu
want=${1:-build}
pkgs=""
need() { # need COMMAND-or-FILE PACKAGE
	case $1 in
	/*) [ -e "$1" ] || pkgs="$pkgs $2" ;;
	*) command -v "$1" >/dev/null 2>&1 || pkgs="$pkgs $2" ;;
	esac
}
need cmake cmake
need cc gcc
need make make
need pkg-config pkg-config
need dpkg-source dpkg-dev
need /usr/include/sodium.h libsodium-dev
need /usr/include/lz4.h liblz4-dev
need /usr/include/cap-ng.h libcap-ng-dev
need /usr/include/openssl/evp.h libssl-dev
need /usr/include/cjson/cJSON.h libcjson-dev
need /usr/include/seccomp.h libseccomp-dev
if [ "$want" = test ]; then
	need clang clang
	need /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev
	need python3 python3
	need curl curl
	need nginx nginx-light
	need apache2 apache2
	need redis-server redis-server
	need redis-cli redis-tools
	need node nodejs
	need iperf3 iperf3
	need wrk wrk
	need /usr/sbin/sshd openssh-server
	need ssh openssh-client
	need ssh-keygen openssh-client
	need ip iproute2
	need ps procps
	need /usr/lib/python3.11/test/test_socket.py libpython3.11-testsuite # CPython's own suites
	need strace strace
	need capsh libcap2-bin
	need /usr/sbin/setcap libcap2-bin
	need ping iputils-ping
	need go golang-go
	need caddy caddy
	need podman podman # examples/docker's image, built and run (tests/examples/podman.sh)
	need runc runc
fi
[ -z "$pkgs" ] && exit 0
echo "deps: installing$pkgs" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $pkgs >/dev/null
