# Regenerates the NumPy-made fixtures the tests of package npy read:
#   cd data/npy/testdata && /usr/bin/python3 gen.py
# Each array's values are its C-order element index (i), so a test can check
# every element and the order without storing the values twice.
import numpy as np

def arange(shape, dtype):
    return np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)

np.save("f4_2x3x4_c.npy", arange((2, 3, 4), "<f4"))
np.save("f8_3x5_fortran.npy", np.asfortranarray(arange((3, 5), "<f8")))
np.save("f8_2x3x4_fortran.npy", np.asfortranarray(arange((2, 3, 4), "<f8")))
np.save("f8_big_endian_4.npy", arange((4,), ">f8"))
np.save("u1_2x2x3.npy", arange((2, 2, 3), "u1"))
np.save("i8_7.npy", arange((7,), "<i8"))
np.save("i4_7.npy", arange((7,), "<i4"))
np.save("b1_3.npy", np.array([True, False, True]))
np.save("f4_scalar.npy", np.float32(0))
np.save("f4_0x3.npy", np.zeros((0, 3), "<f4"))
with open("f4_2x3_v2.npy", "wb") as f:
    np.lib.format.write_array(f, arange((2, 3), "<f4"), version=(2, 0))
np.save("c8_2.npy", np.zeros(2, "<c8"))  # unsupported: complex
# What package npy must write byte for byte: np.save of these arrays.
np.save("numpy_f4_2x3.npy", arange((2, 3), "<f4"))
np.save("numpy_u1_2x2x2.npy", arange((2, 2, 2), "u1"))
np.save("numpy_i8_5.npy", arange((5,), "<i8"))
# Strings (package npy's ReadStrings, WriteStrings): tiers as the
# neuralpredictors file trees store them (arr.astype(str) gives <U), bytes,
# big-endian UTF-32 in Fortran order, and an object array (unsupported).
np.save("U10_tiers.npy", np.array([b"train", b"validation", b"test", b"final_test"]).astype(str))
np.save("S2_3.npy", np.array([b"ab", b"c", b""]))
np.save("U3_2x3_big_endian_fortran.npy", np.asfortranarray(np.array([["a", "bb", "ccc"], ["d", "\u00e9", "\u0192\U0001F642"]], dtype=">U3")))
np.save("O_2.npy", np.array(["a", 1], dtype=object), allow_pickle=True)
np.save("numpy_U5_3.npy", np.array(["train", "test", "val"]))
