#!/usr/bin/env bash
# Installs what the test suite and the benchmarks need on Debian, only when it is missing:
# mosquitto (the broker under test), its clients, openssl (test certificates), monit (its
# control files are test fixtures, and the benchmarks run it side by side) and Chromium with a font
# (the web page is tested in headless Chromium through playwright-core, which downloads nothing),
# Debian's prometheus package (promtool checks /metrics and unit-tests the sample rules; prometheus
# itself scrapes three daemons with the sample scrape config),
# dnsmasq (a real DNS server for the DNS probe), iputils' ping (the ping test runs it), Alertmanager
# (the alertmanager alert target is tested against a real one), and lintian, which checks the Debian
# package `npm run package` builds (it brings dpkg-dev's dpkg-shlibdeps and binutils' strip, which
# `npm run package -- --embed-node` uses).
set -euo pipefail

need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_passwd >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/bin/monit ] || need+=(monit)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)
[ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus ] || need+=(prometheus)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
[ -x /usr/bin/ping ] || need+=(iputils-ping)
[ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
[ -x /usr/bin/lintian ] || need+=(lintian)

if [ ${#need[@]} -eq 0 ]; then
  echo "test prerequisites: all present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install as root: apt-get install ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "test prerequisites: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
