#!/usr/bin/env python3
# check-potfiles.py SRCDIR — po/POTFILES.in is sorted, every file it lists
# exists, and every source file with translatable strings is listed.
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.').resolve()
listed = [line.strip() for line in (root / 'po' / 'POTFILES.in').read_text().splitlines()
          if line.strip() and not line.startswith('#')]
errors = []

if listed != sorted(listed):
    errors.append('po/POTFILES.in is not sorted')
if len(set(listed)) != len(listed):
    errors.append('po/POTFILES.in lists a file twice')
for name in listed:
    if not (root / name).is_file():
        errors.append(f'po/POTFILES.in lists {name}, which does not exist')

c_marker = re.compile(r'\b(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(')
ui_marker = re.compile(r'translatable="yes"')
candidates = []
for pattern in ('src/**/*.c', 'src/**/*.h', 'src/**/*.ui'):
    candidates += root.glob(pattern)
for path in sorted(candidates):
    rel = path.relative_to(root).as_posix()
    text = path.read_text(encoding='utf-8')
    marker = ui_marker if path.suffix == '.ui' else c_marker
    if marker.search(text) and rel not in listed:
        errors.append(f'{rel} has translatable strings but is not in po/POTFILES.in')
for rel in ('data/io.github.stevetuner.SteveTuner.desktop.in',
            'data/io.github.stevetuner.SteveTuner.metainfo.xml.in',
            'data/io.github.stevetuner.SteveTuner.gschema.xml.in'):
    if rel not in listed:
        errors.append(f'{rel} is not in po/POTFILES.in')

for e in errors:
    print(e)
print(f'{len(listed)} files listed, {len(errors)} problems')
sys.exit(1 if errors else 0)
