#include "io/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // the reference implementation's limit

const std::vector<std::pair<std::string, at::ScalarType>>& dtype_table() {
  static const std::vector<std::pair<std::string, at::ScalarType>> table = {
      {"F32", at::kFloat}, {"BF16", at::kBFloat16}, {"F16", at::kHalf}, {"F64", at::kDouble},
      {"I64", at::kLong},  {"I32", at::kInt},       {"I16", at::kShort}, {"I8", at::kChar},
      {"U8", at::kByte},   {"BOOL", at::kBool}};
  return table;
}

// Little-endian u64 from 8 bytes (the format's header length prefix).
uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string u64_le(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// Parses one header entry; `where` is "file: tensor 'name'" for messages.
SafetensorsEntry parse_entry(const std::string& name, const nlohmann::json& j, uint64_t data_size,
                             const std::string& where) {
  check(j.is_object(), where, ": header entry is not an object");
  check(j.contains("dtype") && j["dtype"].is_string(), where, ": missing string field 'dtype'");
  check(j.contains("shape") && j["shape"].is_array(), where, ": missing array field 'shape'");
  check(j.contains("data_offsets") && j["data_offsets"].is_array() && j["data_offsets"].size() == 2,
        where, ": 'data_offsets' must be [begin, end]");
  SafetensorsEntry e;
  e.name = name;
  e.dtype = j["dtype"].get<std::string>();
  at::ScalarType type;
  try {
    type = safetensors_scalar_type(e.dtype);
  } catch (const Error& err) {
    fail(where, ": ", err.what());
  }
  uint64_t numel = 1;
  for (const auto& d : j["shape"]) {
    check(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), where,
          ": shape entries must be non-negative integers, got ", d.dump());
    uint64_t dim = d.get<uint64_t>();
    check(dim == 0 || numel <= std::numeric_limits<uint64_t>::max() / dim, where, ": shape overflows");
    numel *= dim;
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  for (const auto& o : j["data_offsets"])
    check(o.is_number_unsigned() || (o.is_number_integer() && o.get<int64_t>() >= 0), where,
          ": data_offsets must be non-negative integers");
  e.begin = j["data_offsets"][0].get<uint64_t>();
  e.end = j["data_offsets"][1].get<uint64_t>();
  check(e.begin <= e.end, where, ": data_offsets begin ", e.begin, " > end ", e.end);
  check(e.end <= data_size, where, ": data_offsets [", e.begin, ", ", e.end,
        "] run past the end of the data section (", data_size, " bytes; file truncated?)");
  uint64_t expected = numel * at::elementSize(type);
  check(e.end - e.begin == expected, where, ": ", e.end - e.begin, " bytes for shape ",
        j["shape"].dump(), " of ", e.dtype, ", expected ", expected);
  return e;
}

}  // namespace

at::ScalarType safetensors_scalar_type(const std::string& dtype) {
  for (const auto& [name, type] : dtype_table())
    if (name == dtype) return type;
  fail("unsupported safetensors dtype '", dtype, "' (supported: F32 BF16 F16 F64 I64 I32 I16 I8 U8 BOOL)");
}

std::string safetensors_dtype_name(at::ScalarType type) {
  for (const auto& [name, t] : dtype_table())
    if (t == type) return name;
  fail("cannot store dtype ", c10::toString(type), " in safetensors");
}

struct SafetensorsFile::Mapping {
  std::string path;
  void* base = nullptr;
  size_t size = 0;
  const unsigned char* data = nullptr;  // start of the data section
  ~Mapping() {
    if (base) ::munmap(base, size);
  }
};

SafetensorsFile::SafetensorsFile(const std::string& path) : map_(std::make_shared<Mapping>()) {
  map_->path = path;
  int fd = ::open(path.c_str(), O_RDONLY);
  check(fd >= 0, "cannot open '", path, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fail("cannot stat '", path, "': ", std::strerror(err));
  }
  map_->size = static_cast<size_t>(st.st_size);
  if (map_->size < 8) {
    ::close(fd);
    fail(path, ": not a safetensors file (", map_->size, " bytes, need at least 8)");
  }
  // Private, writable mapping: tensors aliasing it may be written (copy-on-write), the file never.
  void* base = ::mmap(nullptr, map_->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  check(base != MAP_FAILED, "cannot mmap '", path, "': ", std::strerror(errno));
  map_->base = base;
  const auto* bytes = static_cast<const unsigned char*>(base);

  uint64_t header_len = read_u64_le(bytes);
  check(header_len <= kMaxHeaderBytes && header_len <= map_->size - 8, path, ": header length ",
        header_len, " exceeds the file (", map_->size, " bytes; truncated or not safetensors)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": header is not valid JSON (", e.what(), ")");
  }
  check(header.is_object(), path, ": header is not a JSON object");
  map_->data = bytes + 8 + header_len;
  uint64_t data_size = map_->size - 8 - header_len;

  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      check(value.is_object(), path, ": __metadata__ is not an object");
      for (const auto& [k, v] : value.items()) {
        check(v.is_string(), path, ": __metadata__ value of '", k, "' is not a string");
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    entries_[name] = parse_entry(name, value, data_size, path + ": tensor '" + name + "'");
  }
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& [name, e] : entries_) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  for (size_t i = 1; i < by_offset.size(); ++i)
    check(by_offset[i]->begin >= by_offset[i - 1]->end || by_offset[i]->begin == by_offset[i]->end, path,
          ": tensor '", by_offset[i]->name, "' overlaps tensor '", by_offset[i - 1]->name, "'");
}

const std::string& SafetensorsFile::path() const { return map_->path; }

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<const SafetensorsEntry*> order;
  for (const auto& [name, e] : entries_) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  std::vector<std::string> out;
  for (auto* e : order) out.push_back(e->name);
  return out;
}

bool SafetensorsFile::contains(const std::string& name) const { return entries_.count(name) > 0; }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  check(it != entries_.end(), map_->path, ": no tensor '", name, "'");
  return it->second;
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return metadata_; }

at::Tensor SafetensorsFile::tensor(const std::string& name, std::optional<at::ScalarType> dtype) const {
  const SafetensorsEntry& e = entry(name);
  at::ScalarType type = safetensors_scalar_type(e.dtype);
  auto options = at::TensorOptions().dtype(type).device(at::kCPU);
  auto* ptr = const_cast<unsigned char*>(map_->data + e.begin);
  at::Tensor t;
  if (e.end == e.begin) {
    t = at::empty(e.shape, options);
  } else if (reinterpret_cast<uintptr_t>(ptr) % at::elementSize(type) == 0) {
    auto keep = map_;
    t = at::from_blob(ptr, e.shape, [keep](void*) {}, options);
  } else {  // misaligned data: copy into an aligned buffer
    t = at::empty(e.shape, options);
    std::memcpy(t.data_ptr(), ptr, e.end - e.begin);
  }
  if (dtype && *dtype != type) t = t.to(*dtype);
  return t;
}

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> cpu;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    check(name != "__metadata__" && !header.contains(name), path, ": duplicate or reserved tensor name '",
          name, "'");
    at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
    uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    cpu.push_back(t);
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // pad so the data section starts 8-aligned

  AtomicFileWriter out(path);  // readers see the old file or the whole new one
  std::string prefix = u64_le(json.size());
  out.write(prefix.data(), prefix.size());
  out.write(json.data(), json.size());
  for (const auto& t : cpu) out.write(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
  out.commit();
}

}  // namespace lpo
