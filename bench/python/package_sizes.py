"""The deployment zip of each Python function, built as a team ships it; prints the sizes as JSON.

Run by the `bench` crate (embedded in the binary with include_str!) as
`python -c <this file> SPEC`, where SPEC is a JSON object: `requirements` (the path of
requirements.txt), `code` (the code folder), `out_dir` (a scratch folder) and `functions`
(function name -> the packages of the code folder that ship with it).

The convention: the dependency closure of requirements.txt as installed in this
interpreter's environment (each distribution's files from its RECORD, the set
`pip install --target` writes, minus __pycache__), boto3 included when the team pins it
(a pinned boto3 must ship: the runtime's own copy is whatever version AWS installed),
plus the function's packages, deflate level 9. awslambdaric is not counted unless it is
pinned: the managed runtime provides it.
"""

import json, os, re, shutil, sys, zipfile
from importlib import metadata
from packaging.requirements import Requirement

spec = json.loads(sys.argv[1])
requirements = []
for line in open(spec["requirements"], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line and not line.startswith("-"):
        requirements.append(Requirement(line))
dists, todo = {}, list(requirements)
while todo:
    requirement = todo.pop()
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        continue
    key = re.sub(r"[-_.]+", "-", requirement.name).lower()
    if key in dists:
        continue
    dist = metadata.distribution(requirement.name)
    dists[key] = dist
    todo.extend(Requirement(text) for text in (dist.requires or []))

os.makedirs(spec["out_dir"], exist_ok=True)
dependencies = os.path.join(spec["out_dir"], "dependencies.zip")
unzipped = 0
with zipfile.ZipFile(dependencies, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for key in sorted(dists):
        for file in dists[key].files or []:
            name = str(file)
            if name.startswith("..") or "__pycache__" in name or name.endswith(".pyc"):
                continue
            path = str(dists[key].locate_file(file))
            if os.path.isfile(path):
                archive.write(path, name)
                unzipped += os.path.getsize(path)
result = {
    "distributions": sorted(f"{d.metadata['Name']}=={d.version}" for d in dists.values()),
    "dependencies_zip_bytes": os.path.getsize(dependencies),
    "dependencies_unzipped_bytes": unzipped,
    "functions": {},
}
for function, packages in spec["functions"].items():
    out = os.path.join(spec["out_dir"], function + ".zip")
    shutil.copyfile(dependencies, out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for package in packages:
            for folder, subfolders, files in os.walk(os.path.join(spec["code"], package)):
                subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
                for file in sorted(files):
                    if not file.endswith(".pyc"):
                        path = os.path.join(folder, file)
                        archive.write(path, os.path.relpath(path, spec["code"]))
    result["functions"][function] = os.path.getsize(out)
print(json.dumps(result))
