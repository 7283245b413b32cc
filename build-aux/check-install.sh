#!/usr/bin/env bash
# check-install.sh BUILDDIR APP_ID — `meson install` into a scratch DESTDIR
# installs a complete, runnable app: binaries, desktop file, metainfo,
# icons in hicolor, the schema, translations and man pages.
set -euo pipefail
build=$1
app_id=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null

prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root="$dest$prefix"
missing=0
for f in \
  bin/steve-tuner \
  bin/steve-sim \
  "share/applications/$app_id.desktop" \
  "share/metainfo/$app_id.metainfo.xml" \
  "share/icons/hicolor/scalable/apps/$app_id.svg" \
  "share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg" \
  "share/glib-2.0/schemas/$app_id.gschema.xml" \
  share/man/man1/steve-tuner.1 \
  share/man/man1/steve-sim.1 \
  $(sed 's|.*|share/locale/&/LC_MESSAGES/steve-tuner.mo|' "$(dirname "$0")/../po/LINGUAS")
do
  if [[ -e "$root/$f" ]]; then
    echo "ok $f"
  else
    echo "MISSING $f"
    missing=1
  fi
done
((missing == 0)) || exit 1

# the desktop file starts what was installed
grep -q "^Exec=steve-tuner" "$root/share/applications/$app_id.desktop" || { echo "Exec= is not steve-tuner"; exit 1; }
grep -q "^Icon=$app_id$" "$root/share/applications/$app_id.desktop" || { echo "Icon= is not $app_id"; exit 1; }

# the installed programs run
"$root/bin/steve-tuner" --version | grep -q '^steve-tuner ' || { echo "steve-tuner --version failed"; exit 1; }
"$root/bin/steve-sim" --version | grep -q '^steve-sim ' || { echo "steve-sim --version failed"; exit 1; }
glib-compile-schemas --strict "$root/share/glib-2.0/schemas"
echo "installed tree complete"
