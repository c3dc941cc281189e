# Print one C initializer for tests/unit/fixtures/py_lines.inc: a sample function's line
# table and first line, and each instruction's position and line as dis reads them.
#   for v in 3.8 ... 3.13: pythonV tools/py_lines.py >> tests/unit/fixtures/py_lines.inc
import dis, sys
SRC = '''
def sample(items):
    total = 0
    for i in items:
        if i % 2:
            total += i
        else:
            total -= 1
    return (total,
            len(items))
''' + "\n" * 300 + '''
def far():
    return 1
'''
ns = {}
exec(compile(SRC, "sample.py", "exec"), ns)
code = ns["sample"].__code__
v = sys.version_info[:2]
table = code.co_linetable if v >= (3, 10) else code.co_lnotab
rows = []
line = None
for ins in dis.get_instructions(code):
    if v >= (3, 11):
        line = ins.positions.lineno
    elif ins.starts_line is not None:
        line = ins.starts_line
    at = ins.offset if v <= (3, 9) else ins.offset // 2
    rows.append((at, line if line is not None else -1))
print("\t{ %d, %d, \"%s\", %d, {%s}, %d }," % (v[1], code.co_firstlineno, "".join("\\x%02x" % b for b in table), len(table), ", ".join("{%d, %d}" % r for r in rows), len(rows)))
