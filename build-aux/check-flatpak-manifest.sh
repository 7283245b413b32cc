#!/bin/sh
# check-flatpak-manifest.sh MANIFEST — what can be checked of the Flatpak
# manifest without a runtime: flatpak-builder must parse it, and with
# G_DEBUG=fatal-warnings an unknown key is fatal too. flatpak-builder leaves
# a .flatpak-builder/ state directory in the current directory, so it runs
# in a temporary one. Also holds the sandbox to its promise: no file system
# access (files go through the portal's file chooser) and no direct line to
# the keyring (libsecret uses the Secret portal).
set -eu

if ! command -v flatpak-builder >/dev/null 2>&1; then
  echo "flatpak-builder is not installed" >&2
  exit 77
fi

manifest=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

(cd "$work" && G_DEBUG=fatal-warnings flatpak-builder --show-manifest "$manifest" >/dev/null)

for forbidden in '--filesystem' '--talk-name=org.freedesktop.secrets' '--socket=x11"'; do
  if grep -q -e "\"$forbidden" "$manifest"; then
    echo "$manifest: finish-args must not contain $forbidden" >&2
    exit 1
  fi
done
echo "$manifest: OK"
