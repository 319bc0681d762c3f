// engine::Logs: an insertion-ordered name -> value map (Python's dict as the
// callbacks see it).
#include "keraspp/keras/engine/training.h"

namespace keras::engine {

Logs::Logs(std::initializer_list<Entry> entries) {
  for (const auto& [k, v] : entries) set(k, v);
}

void Logs::set(const std::string& name, double value) { (*this)[name] = value; }

double& Logs::operator[](const std::string& name) {
  for (auto& e : entries_)
    if (e.first == name) return e.second;
  entries_.emplace_back(name, 0.0);
  return entries_.back().second;
}

double Logs::at(const std::string& name) const {
  if (const double* v = find(name)) return *v;
  throw keraspp::LookupError("'" + name + "'");
}

bool Logs::contains(const std::string& name) const { return find(name) != nullptr; }

const double* Logs::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.first == name) return &e.second;
  return nullptr;
}

void Logs::erase(const std::string& name) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->first == name) {
      entries_.erase(it);
      return;
    }
}

std::vector<std::string> Logs::keys() const {
  std::vector<std::string> k;
  for (const auto& e : entries_) k.push_back(e.first);
  return k;
}

}  // namespace keras::engine
