#pragma once
// A TCP port on the loopback that no one listens on now, for a test's rendezvous (so tests that
// start process groups can run in parallel).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace test_net {

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace test_net
