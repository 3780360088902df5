#include "util/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <utility>

#include "util/error.hpp"

namespace lpo {

MappedFile::MappedFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  check(fd >= 0, "cannot open ", path, ": ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(path + ": fstat failed: " + std::strerror(err));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    const int err = errno;
    ::close(fd);
    check(p != MAP_FAILED, "cannot map ", path, ": ", std::strerror(err));
    data_ = static_cast<uint8_t*>(p);
  } else {
    ::close(fd);
  }
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(data_, size_);
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void MappedFile::release() const {
  if (data_) ::madvise(data_, size_, MADV_DONTNEED);
}

void MappedFile::release(size_t offset, size_t length) const {
  if (!data_ || offset >= size_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t begin = offset / page * page;
  const size_t end = std::min(size_, offset + length);
  ::madvise(data_ + begin, end - begin, MADV_DONTNEED);
}

namespace {

// File-backed and shared resident bytes of this process (third field of /proc/self/statm,
// in pages); 0 where /proc is not there, which disables the budget.
size_t shared_resident_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0, shared = 0;
  const int n = std::fscanf(f, "%lu %lu %lu", &size, &resident, &shared);
  std::fclose(f);
  return n == 3 ? shared * static_cast<size_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

ResidencyBudget::ResidencyBudget(size_t limit_bytes) : limit_(limit_bytes), baseline_(shared_resident_bytes()) {}

void ResidencyBudget::check() {
  const size_t now = shared_resident_bytes();
  if (now <= baseline_ + limit_) return;
  for (const MappedFile* f : files_) f->release();
  baseline_ = shared_resident_bytes();
}

}  // namespace lpo
