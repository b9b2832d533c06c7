#!/usr/bin/env python3
"""Writes the dashboard's page, style and script (web/dashboard/) into
Sources/HTTPAPI/DashboardAssets.swift, so that the binary serves them at /,
/dashboard.css and /dashboard.js without a resource bundle beside it.

Edit the files under web/dashboard/, run `python3 scripts/dashboard.py`,
commit both; DashboardPageTests checks that the two agree.
"""
import os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
assets = [("/", "index.html", "text/html; charset=utf-8", "page"),
          ("/dashboard.css", "dashboard.css", "text/css; charset=utf-8", "style"),
          ("/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8", "script")]
out = ['// Written by scripts/dashboard.py from web/dashboard/ (edit there).', '',
       'extension DashboardPage {']
for path, name, content_type, member in assets:
    text = open(os.path.join(root, 'web', 'dashboard', name), encoding='utf-8').read()
    assert '"""#' not in text and '\\#(' not in text, name
    out.append('    /// web/dashboard/%s, served at `%s`.' % (name, path))
    out.append('    static let %s = #"""' % member)
    out.append(text.rstrip('\n'))
    out.append('"""#')
    out.append('')
out[-1] = '}'
open(os.path.join(root, 'Sources', 'HTTPAPI', 'DashboardAssets.swift'), 'w', encoding='utf-8').write('\n'.join(out) + '\n')
