"""libdeflate: CMake, static library only (no gzip tool, no tests)."""

import shutil


def build(b):
    env = b.env()

    def tool(name):  # CMake wants absolute paths for its tools
        return shutil.which(env[name], path=env["PATH"]) or env[name]

    # a cross build: CMake must not try to run what it compiles
    cross = ("-DCMAKE_SYSTEM_NAME=Linux", f"-DCMAKE_SYSTEM_PROCESSOR={b.toolchain.target.arch}") if b.toolchain.target.cross else ()
    b.run("cmake", "-S", ".", "-B", "out", "-G", "Unix Makefiles", "-DCMAKE_BUILD_TYPE=Release",
          f"-DCMAKE_C_COMPILER={tool('CC')}", f"-DCMAKE_AR={tool('AR')}", f"-DCMAKE_RANLIB={tool('RANLIB')}",
          f"-DCMAKE_C_FLAGS={env['CFLAGS']}", "-DCMAKE_POSITION_INDEPENDENT_CODE=ON",
          "-DLIBDEFLATE_BUILD_SHARED_LIB=OFF", "-DLIBDEFLATE_BUILD_STATIC_LIB=ON",
          "-DLIBDEFLATE_BUILD_GZIP=OFF", "-DLIBDEFLATE_BUILD_TESTS=OFF",
          f"-DCMAKE_INSTALL_PREFIX={b.prefix}", "-DCMAKE_INSTALL_LIBDIR=lib", *cross)
    b.run("cmake", "--build", "out", "-j", str(b.jobs))
    b.run("cmake", "--install", "out")
