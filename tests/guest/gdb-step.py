# gdb's Python, sourced after `target remote`: 400 stepi from where the guest is, each one
# checked against the instruction's length (a branch may land anywhere, a rep-prefixed
# instruction on itself, one repetition a step). A stepping vCPU that runs on past its
# instruction, as ours did until the stub parked it at the step's own exit, shows here.
# Prints STEPS <n> BAD <m>, and each bad step. tests/guest/gdb.sh, tests/linux-gdb/.
import gdb

arch = gdb.selected_frame().architecture()
steps = bad = 0
for _ in range(400):
    pc = int(gdb.parse_and_eval('$pc'))
    ins = arch.disassemble(pc)[0]
    op = ins['asm'].split()
    gdb.execute('stepi', to_string=True)
    new = int(gdb.parse_and_eval('$pc'))
    steps += 1
    if op[0].startswith(('j', 'call', 'ret', 'loop', 'int', 'iret', 'lret')):
        continue
    if new == pc + ins['length'] or (op[0].startswith('rep') and new == pc):
        continue
    bad += 1
    print('STEP-BAD %#x %s -> %#x' % (pc, ins['asm'], new))
print('STEPS %d BAD %d' % (steps, bad))
