// The inputs of the gather family (gather_ops.cc): Gather, GatherV2,
// UnsortedSegmentSum, OneHot; shared with their kernels
// (kernels/cpu/gather_ops.cc). Order and names are TF 1.x's.
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kGather{"params: Tparams", "indices: Tindices"};
inline constexpr ArgList kGatherV2{"params: Tparams", "indices: Tindices", "axis: Taxis"};
inline constexpr ArgList kUnsortedSegmentSum{"data: T", "segment_ids: Tindices",
                                             "num_segments: int32"};
inline constexpr ArgList kOneHot{"indices: TI", "depth: int32", "on_value: T", "off_value: T"};

}  // namespace tf::schema
