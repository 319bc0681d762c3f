// keras.callbacks.CSVLogger: one row per epoch, `epoch` then the sorted log
// keys, written as Python's csv module does (excel dialect: "\r\n" line
// ends, minimal quoting, floats as repr). The file is rewritten atomically
// after each epoch so an interrupted run never leaves half a row.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "keraspp/keras/callbacks.h"
#include "keraspp/keras/progbar.h"

namespace keras::callbacks {

namespace {

// Minimal quoting: fields holding the separator, a quote or a line break.
std::string csv_field(const std::string& s, const std::string& sep) {
  const bool quote = (!sep.empty() && s.find(sep) != std::string::npos) ||
                     s.find_first_of("\"\r\n") != std::string::npos;
  if (!quote) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

CSVLogger::CSVLogger(std::string filename, const CSVLoggerOptions& opts)
    : filename_(std::move(filename)), opts_(opts) {
  if (opts_.separator.empty()) throw keraspp::TypeError("\"delimiter\" must be a 1-character string");
}

void CSVLogger::on_train_begin(Logs&) {
  content_.clear();
  keys_.clear();
  header_written_ = false;
  append_header_ = true;
  started_ = true;
  if (opts_.append) {
    std::ifstream in(filename_, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      content_ = ss.str();
      // A header is written only when the existing file's first line is empty.
      append_header_ = content_.empty() || content_[0] == '\n' || content_[0] == '\r';
    }
  }
}

void CSVLogger::on_epoch_end(int epoch, Logs& logs) {
  if (!started_) on_train_begin(logs);
  if (!header_written_) {
    keys_ = logs.keys();
    std::sort(keys_.begin(), keys_.end());
    if (append_header_) {
      content_ += "epoch";
      for (const auto& k : keys_) content_ += opts_.separator + csv_field(k, opts_.separator);
      content_ += "\r\n";
    }
    header_written_ = true;
  }
  content_ += std::to_string(epoch);
  for (const auto& k : keys_) {
    content_ += opts_.separator;
    if (const double* v = logs.find(k)) content_ += utils::python_float_repr(*v);
  }
  content_ += "\r\n";
  write_atomically();
}

void CSVLogger::on_train_end(Logs&) { started_ = false; }

void CSVLogger::write_atomically() const {
  const std::string tmp = filename_ + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw keraspp::IOError("[Errno 2] No such file or directory: '" + filename_ + "'");
    f << content_;
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      throw keraspp::IOError("Could not write '" + filename_ + "'");
    }
  }
  if (std::rename(tmp.c_str(), filename_.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw keraspp::IOError("Could not replace '" + filename_ + "'");
  }
}

}  // namespace keras::callbacks
