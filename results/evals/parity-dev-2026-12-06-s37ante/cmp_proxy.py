import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in a:
    if a[k][:2] != b[k][:2]: print(k, a[k][:2], "->", b[k][:2])
