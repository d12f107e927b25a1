#!/usr/bin/env python3
"""Build a Fiji update site folder for the ipcf plugin (make fiji-site).

    site.py --classes build/fiji/jar --lib build/lib/libipcf.so -o build/fiji-site

writes the layout an ImageJ updater site has (what the updater's upload writes):

    db.xml.gz                               the index: one <plugin> per file, with
                                            its timestamp, size and checksum
    plugins/ipcf_.jar-YYYYMMDDhhmmss        the plugin: classes and plugins.config
                                            (no native library inside)
    lib/linux64/libipcf.so-YYYYMMDDhhmmss   the library, for the linux64 platform

The updater downloads FILE-TIMESTAMP to FILE under Fiji.app, checks its size and
checksum, and the plugin loads lib/linux64/libipcf.so from there (ipcf.Native).
Checksums follow the updater (net.imagej.updater.util.UpdaterUtil.getDigest):
SHA-1 of the path and the bytes for plain files; for a .jar, SHA-1 over its
entries sorted by name, each its name and its bytes (the jar written here has no
manifest and no .properties, the entries the updater filters). The jar is built
reproducibly: entries sorted, fixed times. The timestamp is SOURCE_DATE_EPOCH
when set, else now (local time, as the updater writes it).
"""

import argparse
import gzip
import hashlib
import os
import shutil
import sys
import time
import zipfile
from xml.sax.saxutils import quoteattr, escape

JAR = "plugins/ipcf_.jar"
LIB = "lib/linux64/libipcf.so"


def build_jar(classes, path):
    """The plugin jar from a folder of classes and plugins.config, without linux-x86-64/."""
    names = []
    for root, dirs, files in os.walk(classes):
        dirs.sort()
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), classes).replace(os.sep, "/")
            if rel.startswith("linux-x86-64/") or rel.startswith("META-INF/"):
                continue
            names.append(rel)
    if "plugins.config" not in names or not any(n.endswith(".class") for n in names):
        sys.exit("site.py: %s has no plugins.config or classes (run make fiji first)" % classes)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in sorted(names):
            info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(os.path.join(classes, n), "rb") as f:
                z.writestr(info, f.read())


def jar_checksum(path):
    h = hashlib.sha1()
    with zipfile.ZipFile(path) as z:
        for n in sorted(z.namelist()):
            if n == "META-INF/MANIFEST.MF" or n.endswith(".properties"):
                sys.exit("site.py: %s holds %s, which the updater checksums specially" % (path, n))
            h.update(n.encode("ascii"))
            h.update(z.read(n))
    return h.hexdigest()


def file_checksum(name, path):
    h = hashlib.sha1()
    h.update(name.encode("ascii"))
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--classes", required=True, help="folder of the plugin's classes and plugins.config")
    ap.add_argument("--lib", required=True, help="libipcf.so")
    ap.add_argument("--version", default="", help="the library's version, for the description")
    ap.add_argument("-o", "--output", required=True, help="the site folder (replaced)")
    a = ap.parse_args()

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    ts = time.strftime("%Y%m%d%H%M%S", time.localtime(epoch))
    if os.path.isdir(a.output):
        shutil.rmtree(a.output)
    os.makedirs(os.path.join(a.output, "plugins"))
    os.makedirs(os.path.join(a.output, "lib", "linux64"))
    jar = os.path.join(a.output, JAR + "-" + ts)
    build_jar(a.classes, jar)
    lib = os.path.join(a.output, LIB + "-" + ts)
    shutil.copyfile(a.lib, lib)  # follows a symlink: the library's bytes
    os.chmod(lib, 0o755)

    ver = (" " + a.version) if a.version else ""
    records = [
        (JAR, jar, jar_checksum(jar), [], "ipcf%s: image pair correlation (pCF), ACF and the correlation toolkit "
         "for time series; Plugins > ipcf. Needs JNA (Fiji ships it) and lib/linux64/libipcf.so." % ver),
        (LIB, lib, file_checksum(LIB, lib), ["linux64"], "ipcf%s: the native library of the ipcf plugin "
         "(Linux x86-64; needs FFTW's libfftw3f.so.3)." % ver),
    ]
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<pluginRecords>"]
    for name, path, checksum, platforms, description in records:
        out.append("    <plugin filename=%s>" % quoteattr(name))
        for p in platforms:
            out.append("        <platform>%s</platform>" % escape(p))
        out.append("        <version checksum=%s filesize=%s timestamp=%s>" % (
            quoteattr(checksum), quoteattr(str(os.path.getsize(path))), quoteattr(ts)))
        out.append("            <description>%s</description>" % escape(description))
        if name == JAR:
            out.append("            <dependency filename=%s timestamp=%s/>" % (quoteattr(LIB), quoteattr(ts)))
        out.append("            <author>ipcf</author>")
        out.append("        </version>")
        out.append("    </plugin>")
    out.append("</pluginRecords>")
    with gzip.GzipFile(os.path.join(a.output, "db.xml.gz"), "wb", mtime=epoch) as g:
        g.write(("\n".join(out) + "\n").encode("utf-8"))
    for name, path, checksum, _, _ in records:
        print("%s-%s %d bytes sha1 %s" % (name, ts, os.path.getsize(path), checksum))
    print("site: %s (db.xml.gz, %d files)" % (a.output, len(records)))


if __name__ == "__main__":
    main()
