"""The wheel is built for x86-64-v3 (AVX2); the hand-written kernels choose
their AVX-512 path at run time where the CPU has it."""
import os
import subprocess
import sys

import numpy as np

import keraspp
from keraspp import _core


def _cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def test_the_kernel_path_follows_the_cpu():
    has_avx512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= _cpu_flags()
    forced = os.environ.get("KERASPP_KERNEL_ISA") == "generic"
    expected = "avx512" if has_avx512 and not forced else "generic"
    print("kernel ISA:", _core.kernel_isa())
    assert _core.kernel_isa() == expected


def test_the_generic_path_can_be_forced_and_gives_the_same_dropout_bits():
    """Dropout masks come from the Philox fills: identical on both paths."""
    program = (
        "import numpy as np, keraspp.tensorflow as tf\n"
        "from keraspp import _core\n"
        "x = tf.ones([3, 1000])\n"
        "y = tf.nn.dropout(x, 0.5, seed=3)\n"
        "with tf.Session() as s: v = s.run(y)\n"
        "print(_core.kernel_isa(), int((v != 0).sum()), float(v.sum()))\n")
    outs = []
    for isa in ("generic", None):
        env = dict(os.environ)
        env.pop("KERASPP_KERNEL_ISA", None)
        if isa:
            env["KERASPP_KERNEL_ISA"] = isa
        run = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        outs.append(run.stdout.split())
    assert outs[0][0] == "generic"
    assert outs[0][1:] == outs[1][1:]
    assert np.isfinite(float(outs[0][2]))
    assert keraspp.__version__
