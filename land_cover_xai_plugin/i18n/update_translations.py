"""Refresh the plugin's translations: pylupdate5 -> contexts fixed -> translations kept -> lrelease.

    python land_cover_xai_plugin/i18n/update_translations.py [--lang fr] [--apply NEW.json] [--todo TODO.json]

Run by ``make translations``. Scans every .py of gui/ and processing_provider/.

Why the context fix: the plugin's modules translate through a module-level helper
``def tr(text): return QCoreApplication.translate("Context", text)``, but pylupdate5 files every bare
``tr("...")`` call under the context "@default". The strings found in such a module are moved to the
context its helper uses at run time. Processing algorithms use ``self.tr`` with the class name as context
(``type(self).__name__``): strings of a base class are copied into the context of each subclass.

Existing translations are kept (matched by context + source, else by source alone); ``--apply`` merges a
JSON object {source: translation}; ``--todo`` writes the still untranslated sources as such an object.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

I18N_DIR = Path(__file__).resolve().parent
PLUGIN_DIR = I18N_DIR.parent
SCANNED = ("gui", "processing_provider")


def source_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (PLUGIN_DIR / folder).rglob("*.py"))


def _translate_context(func: ast.FunctionDef):
    """"Ctx" for a tr() whose body calls QCoreApplication.translate("Ctx", ...); "<class>" for type(self).__name__."""
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "translate":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                return node.args[0].value
            if node.args and "__name__" in ast.dump(node.args[0]):
                return "<class>"
    return None


def analyse(files: list[Path]) -> tuple[dict, dict, set]:
    """(context per literal of a bare tr("...") call: {source: [contexts]}, class -> base names, classes whose
    tr() uses their own class name)."""
    module_ctx, bases, dynamic, bare = {}, {}, set(), {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bare[path.name] = {node.args[0].value for node in ast.walk(tree)
                           if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args
                           and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == "tr":
                ctx = _translate_context(node)
                if ctx and ctx != "<class>":
                    module_ctx[path.name] = ctx
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
                for item in node.body:
                    is_tr = isinstance(item, ast.FunctionDef) and item.name == "tr"
                    if is_tr and _translate_context(item) == "<class>":
                        dynamic.add(node.name)
    contexts: dict = {}
    for filename, sources in bare.items():
        if filename in module_ctx:
            for source in sources:
                contexts.setdefault(source, [])
                if module_ctx[filename] not in contexts[source]:
                    contexts[source].append(module_ctx[filename])
    return contexts, bases, dynamic


def _ancestors(name: str, bases: dict) -> list[str]:
    out, todo = [], list(bases.get(name, []))
    while todo:
        base = todo.pop()
        if base not in out:
            out.append(base)
            todo.extend(bases.get(base, []))
    return out


def _context(root: ET.Element, name: str) -> ET.Element:
    for ctx in root.findall("context"):
        if ctx.findtext("name") == name:
            return ctx
    ctx = ET.SubElement(root, "context")
    ET.SubElement(ctx, "name").text = name
    return ctx


def _has_source(ctx: ET.Element, source: str) -> bool:
    return any(m.findtext("source") == source for m in ctx.findall("message"))


def fix_contexts(root: ET.Element, contexts: dict, bases: dict, dynamic: set) -> None:
    for ctx in list(root.findall("context")):
        if ctx.findtext("name") != "@default":
            continue
        for message in list(ctx.findall("message")):
            # pylupdate5 keeps one message (and one location) per source: every module whose tr() helper
            # uses the string gets a copy in its own context
            targets = contexts.get(message.findtext("source"), [])
            if not targets:
                continue
            ctx.remove(message)
            for target in targets:
                dest = _context(root, target)
                if not _has_source(dest, message.findtext("source")):
                    dest.append(ET.fromstring(ET.tostring(message)))
        if not ctx.findall("message"):
            root.remove(ctx)
    # self.tr with the concrete class name as context: base-class strings for every subclass
    for cls in list(bases):
        parents = [p for p in _ancestors(cls, bases) if p in dynamic]
        if not parents and cls not in dynamic:
            continue
        for parent in parents:
            src = next((c for c in root.findall("context") if c.findtext("name") == parent), None)
            if src is None:
                continue
            dest = _context(root, cls)
            for message in src.findall("message"):
                if not _has_source(dest, message.findtext("source")):
                    dest.append(ET.fromstring(ET.tostring(message)))


def known_translations(ts: Path) -> tuple[dict, dict]:
    by_key, by_source = {}, {}
    if not ts.exists():
        return by_key, by_source
    for ctx in ET.parse(ts).getroot().findall("context"):
        name = ctx.findtext("name")
        for message in ctx.findall("message"):
            node = message.find("translation")
            if node is None or not (node.text or "").strip() or node.get("type") in ("unfinished", "obsolete",
                                                                                  "vanished"):
                continue
            source = message.findtext("source")
            by_key[(name, source)] = node.text
            by_source.setdefault(source, node.text)
    return by_key, by_source


def fill(root: ET.Element, by_key: dict, by_source: dict, extra: dict) -> list[str]:
    todo = []
    for ctx in root.findall("context"):
        name = ctx.findtext("name")
        for message in ctx.findall("message"):
            source = message.findtext("source")
            text = extra.get(source) or by_key.get((name, source)) or by_source.get(source)
            node = message.find("translation")
            if node is None:
                node = ET.SubElement(message, "translation")
            if text:
                node.text = text
                node.attrib.pop("type", None)
            else:
                node.set("type", "unfinished")
                todo.append(source)
    return todo


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--apply", help="JSON {source: translation} to merge")
    parser.add_argument("--todo", help="write the untranslated sources to this JSON file")
    args = parser.parse_args(argv)
    pylupdate = shutil.which("pylupdate5")
    lrelease = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    if not pylupdate or not lrelease:
        print("pylupdate5 / lrelease missing: apt-get install pyqt5-dev-tools qttools5-dev-tools", file=sys.stderr)
        return 2
    ts = I18N_DIR / f"land_cover_xai_{args.lang}.ts"
    files = source_files()
    # written beside the final .ts so that its <location> paths are relative to it ("../gui/dock.py")
    fd, name = tempfile.mkstemp(prefix=".fresh-", suffix=".ts", dir=I18N_DIR)
    os.close(fd)
    fresh = Path(name)
    try:
        rel = [str(p.relative_to(PLUGIN_DIR)) for p in files]
        subprocess.run([pylupdate, "-noobsolete", *rel, "-ts", str(fresh)], cwd=PLUGIN_DIR, check=True,
                       stderr=subprocess.DEVNULL)
        root = ET.parse(fresh).getroot()
    finally:
        fresh.unlink(missing_ok=True)
    root.set("language", f"{args.lang}_FR" if args.lang == "fr" else args.lang)
    fix_contexts(root, *analyse(files))
    extra = json.loads(Path(args.apply).read_text(encoding="utf-8")) if args.apply else {}
    todo = fill(root, *known_translations(ts), extra)
    root[:] = sorted(root.findall("context"), key=lambda c: c.findtext("name"))
    ET.indent(root, space="    ")
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                  + ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")
    subprocess.run([lrelease, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
    if args.todo:
        Path(args.todo).write_text(json.dumps({s: "" for s in dict.fromkeys(todo)}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    n = sum(len(c.findall("message")) for c in root.findall("context"))
    print(f"{ts.name}: {n} messages, {len(todo)} untranslated -> {ts.with_suffix('.qm').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
