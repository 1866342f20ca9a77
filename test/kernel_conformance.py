"""Jupyter protocol conformance of the installed embedlab kernel (jupyter_kernel_test).

Run by test/kernel.test.ts with the kernelspec installed in a temporary
JUPYTER_PATH; the kernel name comes from EMBEDLAB_KERNEL_NAME. It covers what
tslab implements: kernel_info, execute (stdout/stderr), display_data,
completion, inspection, is_complete, errors (an `error` message and an
`error` reply) and execute results. History, the pager and clear_output are
not implemented.
"""
import os
import unittest

import jupyter_kernel_test


class EmbedlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("EMBEDLAB_KERNEL_NAME", "embedlab")
    language_name = "typescript"
    file_extension = ".ts"

    # the first embedlab cell starts the backend: slower than jupyter_kernel_test's 15 s on a busy machine
    def execute_helper(self, code, timeout=180, **kwargs):
        return super().execute_helper(code, timeout=timeout, **kwargs)

    code_hello_world = 'console.log("hello, world");'

    # a runtime error: one `error` message, status "error"
    code_generate_error = 'throw new RangeError("out of range");'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "[{ text: 'a $3.70 b', lr: 2e-5 }]", "mime": "text/html"},
    ]
    code_stderr = 'console.error("something on stderr");'

    completion_samples = [
        {"text": "const zzzLongName = 1;\nzzzLong", "matches": {"zzzLongName"}},
        {"text": "Math.fl", "matches": {"floor"}},
    ]
    complete_code_samples = ["1 + 1", "const x = 3;", "function f(a: number) { return a; }"]
    incomplete_code_samples = ["function f(a: number) {", "const xs = [1, 2,"]

    code_inspect_sample = "Math.max"

    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>");', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.markdown("*hi*");', "mime": "text/markdown"},
        {
            # embedlab's charts send several MIME types in one display_data message.
            "code": 'import { Chart } from "embedlab";\n'
            'new Chart({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} }, { title: "t" }).show();',
            "mime": "application/vnd.plotly.v1+json",
        },
    ]


if __name__ == "__main__":
    unittest.main()
