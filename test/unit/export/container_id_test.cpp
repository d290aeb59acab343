#include "gatetrace/export/container_id.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

namespace gatetrace {
namespace {

const std::string kId = "3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f869860";

TEST(ContainerId, CgroupV1DockerLines) {
  const std::string text = "12:perf_event:/docker/" + kId + "\n" + "11:cpuset:/docker/" + kId +
                           "\n" + "1:name=systemd:/docker/" + kId + "\n";
  EXPECT_EQ(parse_container_id(text), kId);
}

TEST(ContainerId, CgroupV1KubernetesLine) {
  const std::string text =
      "4:memory:/kubepods/besteffort/pod3d274242-8ee0-11e9-a8a6-1e68d864ef1a/" + kId + "\n";
  EXPECT_EQ(parse_container_id(text), kId);
}

TEST(ContainerId, CgroupV1FirstLinesWithoutId) {
  const std::string text = "13:rdma:/\n12:pids:/user.slice/user-1000.slice\n" +
                           std::string("5:cpu,cpuacct:/kubepods.slice/cri-containerd-") + kId +
                           ".scope\n";
  EXPECT_EQ(parse_container_id(text), kId);
}

TEST(ContainerId, CgroupV2Paths) {
  EXPECT_EQ(parse_container_id("0::/system.slice/docker-" + kId + ".scope\n"), kId);
  EXPECT_EQ(parse_container_id("0::/kubepods.slice/kubepods-pod1.slice/crio-" + kId + ".scope"),
            kId);
  EXPECT_EQ(parse_container_id("0::/../../libpod-" + kId + ".scope\r\n"), kId);
}

TEST(ContainerId, NoContainer) {
  EXPECT_FALSE(parse_container_id("0::/\n"));
  EXPECT_FALSE(parse_container_id("0::/init.scope\n"));
  EXPECT_FALSE(parse_container_id("12:memory:/user.slice\n"));
  EXPECT_FALSE(parse_container_id(""));
  EXPECT_FALSE(parse_container_id("garbage without colons\n"));
}

TEST(ContainerId, RejectsNearMisses) {
  // 63 digits, upper-case hex, and a 64-digit run glued to other letters.
  EXPECT_FALSE(parse_container_id("0::/docker/" + kId.substr(1) + "\n"));
  std::string upper = kId;
  upper[0] = 'A';
  EXPECT_FALSE(parse_container_id("0::/docker/" + upper + "\n"));
  EXPECT_FALSE(parse_container_id("0::/dockerx" + kId + "\n"));
  std::string non_hex = kId;
  non_hex[10] = 'g';
  EXPECT_FALSE(parse_container_id("1:cpu:/docker/" + non_hex + "\n"));
}

TEST(ContainerId, ReadsAFile) {
  const std::string path =
      ::testing::TempDir() + "gatetrace_cgroup_" + std::to_string(::getpid()) + ".txt";
  {
    std::ofstream file(path);
    file << "0::/system.slice/docker-" << kId << ".scope\n";
  }
  EXPECT_EQ(read_container_id(path.c_str()), kId);
  std::remove(path.c_str());
  EXPECT_FALSE(read_container_id(path.c_str()));
}

}  // namespace
}  // namespace gatetrace
