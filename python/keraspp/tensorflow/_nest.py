"""Nested structures of loop variables and branch results, as TF 1.x's nest:
lists, tuples and namedtuples are sequences; everything else is a leaf."""


def is_sequence(s):
    return isinstance(s, (list, tuple))


def flatten(structure):
    if not is_sequence(structure):
        return [structure]
    out = []
    for s in structure:
        out.extend(flatten(s))
    return out


def _pack(structure, flat, index):
    if not is_sequence(structure):
        return flat[index], index + 1
    items = []
    for s in structure:
        item, index = _pack(s, flat, index)
        items.append(item)
    if isinstance(structure, list):
        return items, index
    if type(structure) is tuple:
        return tuple(items), index
    return type(structure)(*items), index  # a namedtuple


def pack_sequence_as(structure, flat_sequence):
    """The leaves of flat_sequence in structure's shape."""
    flat = list(flat_sequence)
    if len(flatten(structure)) != len(flat):
        raise ValueError("Could not pack sequence. Structure had %d elements, but flat_sequence had %d elements. "
                         "Structure: %s, flat_sequence: %s."
                         % (len(flatten(structure)), len(flat), structure, flat))
    return _pack(structure, flat, 0)[0]


def _recursive_assert_same_structure(nest1, nest2):
    if is_sequence(nest1) != is_sequence(nest2):
        raise ValueError("The two structures don't have the same nested structure. "
                         "First structure: %s, second structure: %s." % (nest1, nest2))
    if not is_sequence(nest1):
        return
    if type(nest1) != type(nest2):
        raise TypeError("The two structures don't have the same sequence type. First structure has type %s, "
                        "while second structure has type %s." % (type(nest1), type(nest2)))
    for a, b in zip(nest1, nest2):
        _recursive_assert_same_structure(a, b)


def assert_same_structure(nest1, nest2):
    """TF 1.x's check (and wording) that two structures nest alike."""
    len1 = len(flatten(nest1)) if is_sequence(nest1) else 1
    len2 = len(flatten(nest2)) if is_sequence(nest2) else 1
    if len1 != len2:
        raise ValueError("The two structures don't have the same number of elements. "
                         "First structure: %s, second structure: %s." % (nest1, nest2))
    _recursive_assert_same_structure(nest1, nest2)
