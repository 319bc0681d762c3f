// The global op registry: schema parsing and checking, op and fusion lookup.
#include "keraspp/graph/op_registry.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace tf {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

// TF's names of the dtypes a schema may mention.
std::optional<DType> dtype_named(const std::string& n) {
  static const std::map<std::string, DType> names = {
      {"float", float32}, {"double", float64}, {"int32", int32},
      {"int64", int64},   {"uint8", uint8},    {"bool", bool_}};
  auto it = names.find(n);
  if (it == names.end()) return std::nullopt;
  return it->second;
}

[[noreturn]] void bad_schema(const OpDef& def, const std::string& what) {
  throw errors::InternalError("Malformed schema of op '" + def.name + "': " + what);
}

// "x: T", "shape: int32", "var: Ref(T)", "values: N * T".
ArgDef parse_arg(const OpDef& def, const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) bad_schema(def, "no type in '" + spec + "'");
  ArgDef a;
  a.name = trim(spec.substr(0, colon));
  std::string type = trim(spec.substr(colon + 1));
  if (const size_t star = type.find('*'); star != std::string::npos) {
    a.number_attr = trim(type.substr(0, star));
    type = trim(type.substr(star + 1));
  }
  if (type.rfind("Ref(", 0) == 0 && type.back() == ')') {
    a.is_ref = true;
    type = trim(type.substr(4, type.size() - 5));
  }
  if (auto t = dtype_named(type)) {
    a.dtype = *t;
  } else {
    a.type_attr = type;
  }
  return a;
}

AttrValue parse_default(const OpDef& def, const AttrDef& a, const std::string& text) {
  if (a.type == "bool" && (text == "true" || text == "false")) return text == "true";
  if (a.type == "int") return static_cast<int64_t>(std::stoll(text));
  if (a.type == "float") return std::stod(text);
  if (a.type == "type")
    if (auto t = dtype_named(text)) return *t;
  if (a.type == "string" && text.size() >= 2 && text.front() == '\'' && text.back() == '\'')
    return text.substr(1, text.size() - 2);
  if (a.type == "list(int)" && text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    // "[1, 1, 1, 1]" (Conv2D's dilations).
    std::vector<int64_t> values;
    std::istringstream in(text.substr(1, text.size() - 2));
    for (std::string item; std::getline(in, item, ',');)
      if (!trim(item).empty()) values.push_back(std::stoll(trim(item)));
    return values;
  }
  bad_schema(def, "bad default '" + text + "' of attr '" + a.name + "'");
}

// "name: type [= default]", the type "{float, double}" meaning a type attr
// with allowed values, "{'SAME', 'VALID'}" a string attr with them.
AttrDef parse_attr(const OpDef& def, const std::string& spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) bad_schema(def, "no type in attr '" + spec + "'");
  AttrDef a;
  a.name = trim(spec.substr(0, colon));
  std::string rest = spec.substr(colon + 1);
  std::string default_text;
  if (const size_t eq = rest.find('='); eq != std::string::npos) {
    default_text = trim(rest.substr(eq + 1));
    rest = rest.substr(0, eq);
  }
  a.type = trim(rest);
  if (!a.type.empty() && a.type.front() == '{') {
    std::string list = a.type.substr(1, a.type.size() - 2);
    const bool strings = trim(list).rfind('\'', 0) == 0;
    a.type = strings ? "string" : "type";
    size_t pos = 0;
    while (pos <= list.size()) {
      const size_t comma = std::min(list.find(',', pos), list.size());
      const std::string n = trim(list.substr(pos, comma - pos));
      pos = comma + 1;
      if (strings) {
        if (n.size() < 2 || n.back() != '\'') bad_schema(def, "unquoted value in attr '" + a.name + "'");
        a.allowed_strings.push_back(n.substr(1, n.size() - 2));
        continue;
      }
      const auto t = dtype_named(n);
      if (!t) bad_schema(def, "unknown dtype '" + n + "' in attr '" + a.name + "'");
      a.allowed.push_back(*t);
    }
  }
  static const std::set<std::string> types = {"type",  "bool",  "int",      "float",
                                              "string", "shape", "tensor", "list(int)"};
  if (!types.count(a.type)) bad_schema(def, "unknown attr type '" + a.type + "'");
  if (!default_text.empty()) a.default_value = parse_default(def, a, default_text);
  return a;
}

// Whether an attr value holds the declared attr type.
bool holds(const AttrDef& a, const AttrValue& v) {
  if (a.type == "type") return std::holds_alternative<DType>(v);
  if (a.type == "bool") return std::holds_alternative<bool>(v);
  if (a.type == "int") return std::holds_alternative<int64_t>(v);
  if (a.type == "float") return std::holds_alternative<double>(v);
  if (a.type == "string") return std::holds_alternative<std::string>(v);
  if (a.type == "shape") return std::holds_alternative<TensorShape>(v);
  if (a.type == "tensor") return std::holds_alternative<np::Array>(v);
  return std::holds_alternative<std::vector<int64_t>>(v);
}

std::string allowed_list(const std::vector<DType>& allowed) {
  std::string s;
  for (DType t : allowed) s += (s.empty() ? "" : ", ") + np::dtype_name(t);
  return s;
}

// TF's apply_op check of a dtype against a type attr's allowed values.
void check_allowed(const AttrDef& a, DType t, const std::string& parameter) {
  if (a.allowed.empty() || std::find(a.allowed.begin(), a.allowed.end(), t) != a.allowed.end())
    return;
  throw keraspp::TypeError("Value passed to parameter '" + parameter + "' has DataType " +
                           np::dtype_name(t) + " not in list of allowed values: " +
                           allowed_list(a.allowed));
}

// TF's apply_op check of a string attr against its allowed values.
void check_allowed_string(const OpDef& def, const AttrDef& a, const std::string& value) {
  const auto& allowed = a.allowed_strings;
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (const auto& s : allowed) list += (list.empty() ? "" : "\", \"") + s;
  throw keraspp::ValueError("Attr '" + a.name + "' of '" + def.name + "' Op passed string '" +
                            value + "' not in: \"" + list + "\".");
}

void parse_schema(OpDef& def) {
  for (const auto& s : def.inputs) def.input_args.push_back(parse_arg(def, s));
  for (const auto& s : def.outputs) def.output_args.push_back(parse_arg(def, s));
  for (const auto& s : def.attrs) def.attr_defs.push_back(parse_attr(def, s));
  int lists = 0;
  for (size_t i = 0; i < def.input_args.size(); ++i) {
    const ArgDef& a = def.input_args[i];
    if (a.is_ref) def.ref_inputs.push_back(static_cast<int>(i));
    if (!a.number_attr.empty() && ++lists > 1) bad_schema(def, "more than one list input");
  }
  for (const auto* args : {&def.input_args, &def.output_args})
    for (const ArgDef& a : *args)
      if (!a.type_attr.empty() && !def.find_attr(a.type_attr))
        bad_schema(def, "type attr '" + a.type_attr + "' of '" + a.name + "' is not declared");
  for (const auto& n : def.zero_preserving) def.zero_preserving_inputs.push_back(def.input_index(n));
  if (def.select)
    def.select_inputs = OpDef::SelectInputs{def.input_index(def.select->predicate),
                                            def.input_index(def.select->if_true),
                                            def.input_index(def.select->if_false)};
  if (!def.gradient_product.empty()) def.gradient_product_input = def.input_index(def.gradient_product);
}

// Whether attr `name` is bound by the inputs (a type attr, or a list's
// length), so it is inferred, never given.
bool inferred(const OpDef& def, const std::string& name) {
  for (const ArgDef& a : def.input_args)
    if (a.type_attr == name || a.number_attr == name) return true;
  return false;
}

// Input count (TF's NodeDef check), fixed dtypes and allowed dtypes (TF's
// apply_op wording); each input is matched to its argument.
void check_inputs(const OpDef& def, const InferenceContext& c) {
  size_t singles = 0;
  bool has_list = false;
  for (const ArgDef& a : def.input_args) {
    if (a.number_attr.empty()) {
      ++singles;
    } else {
      has_list = true;
    }
  }
  const size_t n = c.input_dtypes.size();
  if (has_list ? n < singles + 1 : n != singles) {
    std::string expected;
    for (const ArgDef& a : def.input_args) {
      const std::string type = a.dtype ? np::tf_dtype_name(*a.dtype) : a.type_attr;
      expected += (expected.empty() ? "" : ", ") + (a.number_attr.empty() ? type : a.number_attr + "*" + type);
    }
    throw keraspp::ValueError("NodeDef expected inputs '" + expected + "' do not match " +
                              std::to_string(n) + " inputs specified; Op<name=" + def.name +
                              "; signature=" + def.signature() + "> for '" + c.op_name + "'");
  }
  const size_t list_len = n - singles;
  size_t i = 0;
  for (const ArgDef& a : def.input_args) {
    const size_t count = a.number_attr.empty() ? 1 : list_len;
    for (size_t k = 0; k < count; ++k, ++i) {
      const DType t = c.input_dtypes[i];
      if (a.dtype && *a.dtype != t)
        throw keraspp::TypeError("Input '" + a.name + "' of '" + def.name + "' Op has type " +
                                 np::dtype_name(t) + " that does not match expected type of " +
                                 np::dtype_name(*a.dtype) + ".");
      if (!a.type_attr.empty()) check_allowed(*def.find_attr(a.type_attr), t, a.name);
    }
  }
}

// Attrs given: declared, of the declared type, in the allowed list; attrs
// missing: inferred from an input or defaulted.
void check_attrs(const OpDef& def, const InferenceContext& c) {
  std::string unexpected;
  for (const auto& [name, value] : *c.attrs) {
    const AttrDef* a = def.find_attr(name);
    if (!a || inferred(def, name)) {
      unexpected += (unexpected.empty() ? "" : ", ") + name;
      continue;
    }
    if (!holds(*a, value))
      throw keraspp::TypeError("Expected " + a->type + " for argument '" + name + "' of '" +
                               def.name + "' Op");
    if (a->type == "type") check_allowed(*a, std::get<DType>(value), name);
    if (!a->allowed_strings.empty()) check_allowed_string(def, *a, std::get<std::string>(value));
  }
  if (!unexpected.empty())
    throw keraspp::TypeError(def.name + " got unexpected keyword arguments: " + unexpected);
  for (const AttrDef& a : def.attr_defs)
    if (!c.attrs->count(a.name) && !a.default_value && !inferred(def, a.name))
      throw keraspp::TypeError("No argument for attr " + a.name + " of '" + def.name + "' Op");
}

}  // namespace

int OpDef::input_index(const std::string& n) const {
  for (size_t i = 0; i < input_args.size(); ++i)
    if (input_args[i].name == n) return static_cast<int>(i);
  throw errors::InternalError("Op '" + name + "' has no input named '" + n + "'");
}

const AttrDef* OpDef::find_attr(const std::string& n) const {
  for (const AttrDef& a : attr_defs)
    if (a.name == n) return &a;
  return nullptr;
}

std::string OpDef::signature() const {
  auto list = [](const std::vector<ArgDef>& args) {
    std::string s;
    for (const ArgDef& a : args) {
      std::string type = a.dtype ? np::tf_dtype_name(*a.dtype) : a.type_attr;
      if (a.is_ref) type = "Ref(" + type + ")";
      if (!a.number_attr.empty()) type = a.number_attr + "*" + type;
      s += (s.empty() ? "" : ", ") + a.name + ":" + type;
    }
    return s;
  };
  return list(input_args) + " -> " + list(output_args);
}

std::string gradient_product_op(const std::string& update_op) { return "_FusedMatMul" + update_op; }

OpRegistry& OpRegistry::global() {
  static OpRegistry r;
  return r;
}

void OpRegistry::add(OpDef def) {
  parse_schema(def);
  std::optional<OpDef> product;
  if (def.gradient_product_input >= 0) {
    // The update with its gradient computed in place from a product a . b.
    OpDef f{.name = gradient_product_op(def.name), .inputs = def.inputs, .outputs = def.outputs,
            .attrs = def.attrs, .differentiable = false, .stateful = def.stateful,
            .plan_only = true};
    const ArgDef& g = def.input_args[static_cast<size_t>(def.gradient_product_input)];
    f.inputs[static_cast<size_t>(def.gradient_product_input)] = "a: " + g.type_attr;
    f.inputs.push_back("b: " + g.type_attr);
    product = std::move(f);
  }
  const std::string name = def.name;
  auto [it, added] = defs_.emplace(name, std::move(def));
  if (!added) throw errors::AlreadyExistsError("Op type registered twice: '" + name + "'");
  // The schema's checks run before the op's own shape function.
  OpDef& d = it->second;
  d.shape_fn = [&d, own = std::move(d.shape_fn)](InferenceContext& c) {
    if (d.plan_only)
      throw errors::InvalidArgumentError("Op '" + d.name +
                                         "' is made by plan rewrites only, not in a graph");
    check_inputs(d, c);
    check_attrs(d, c);
    if (own) own(c);
    // A list output ("output: num * T") counts as its length attr's value.
    size_t declared = 0;
    for (const ArgDef& a : d.output_args)
      declared += a.number_attr.empty() ? 1 : static_cast<size_t>(c.attr<int64_t>(a.number_attr));
    if (c.out_dtypes.size() != declared)
      throw errors::InternalError("Op '" + d.name + "' declares " +
                                  std::to_string(declared) +
                                  " outputs but its shape function set " +
                                  std::to_string(c.out_dtypes.size()));
  };
  if (product) add(std::move(*product));
}

const OpDef* OpRegistry::find(const std::string& name) const {
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : &it->second;
}

const OpDef& OpRegistry::lookup(const std::string& name) const {
  if (const OpDef* d = find(name)) return *d;
  throw errors::NotFoundError("Op type not registered '" + name + "'");
}

std::vector<std::string> OpRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : defs_) out.push_back(k);
  return out;
}

void OpRegistry::add_fusion(FusionPattern pattern) {
  // Longest chains first (a pattern that extends another wins), then by
  // name, so the order does not depend on static-initialisation order.
  auto before = [](const FusionPattern& a, const FusionPattern& b) {
    return a.chain.size() != b.chain.size() ? a.chain.size() > b.chain.size()
                                            : a.fused_op < b.fused_op;
  };
  fusions_.insert(std::upper_bound(fusions_.begin(), fusions_.end(), pattern, before),
                  std::move(pattern));
}

const std::vector<FusionPattern>& OpRegistry::fusions() const { return fusions_; }

AttrMap with_default_attrs(const OpDef& def, AttrMap attrs) {
  for (const AttrDef& a : def.attr_defs)
    if (a.default_value && !attrs.count(a.name)) attrs.emplace(a.name, *a.default_value);
  return attrs;
}

}  // namespace tf
