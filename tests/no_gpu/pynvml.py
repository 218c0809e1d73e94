"""The NVML of a machine without an NVIDIA driver: what every test sees unless it asks for
a GPU.

tests/conftest.py puts this folder first on the module path of the test process and of
every jarri process a test starts, so running the suite on a GPU host, even as root, never
reads or changes a real card. Tests that want GPUs name the scripted stand-in
(tests/fake_nvml/) in their own environment; JARRI_TEST_REAL_GPU=1 lifts both.

nvidia-ml-py's nvmlInit raises NVMLError_LibraryNotFound when libnvidia-ml.so.1 cannot be
loaded, and its str() is "NVML Shared Library Not Found" (pynvml.py: _LoadNvmlLibrary,
NVMLError.__str__); this module does the same.
"""

from __future__ import annotations

NVML_ERROR_LIBRARY_NOT_FOUND = 12


class NVMLError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return "NVML Shared Library Not Found"


class NVMLError_LibraryNotFound(NVMLError):  # noqa: N801 - the real class name
    pass


def nvmlInit() -> None:  # noqa: N802
    raise NVMLError_LibraryNotFound(NVML_ERROR_LIBRARY_NOT_FOUND)


def nvmlShutdown() -> None:  # noqa: N802
    raise NVMLError_LibraryNotFound(NVML_ERROR_LIBRARY_NOT_FOUND)
