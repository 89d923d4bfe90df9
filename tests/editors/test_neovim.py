"""docs/editors.md's Neovim set-up, run in a real headless Neovim (0.11, from the test extra).

Neovim starts ``ftcore lsp`` from the documented init.lua, and the recipe it opens gets the
server's diagnostics, semantic tokens and formatting.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NVIM = shutil.which("nvim", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))

PROBE = """
vim.cmd("edit " .. vim.fn.fnameescape(vim.env.RECIPE))
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local out = { "filetype " .. vim.bo.filetype, "clients " .. #vim.lsp.get_clients({ bufnr = 0 }) }
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, string.format("diagnostic %d:%d %s", d.lnum + 1, d.col + 1, (d.message:gsub("\\n", " | "))))
end
local line = vim.fn.search("^data tickets") - 1
vim.wait(5000, function() return #vim.lsp.semantic_tokens.get_at_pos(0, line, 0) > 0 end, 50)
for _, t in ipairs(vim.lsp.semantic_tokens.get_at_pos(0, line, 0)) do table.insert(out, "token " .. t.type) end
vim.api.nvim_buf_set_lines(0, 0, 0, false, { "let   unused  =  1" })
vim.lsp.buf.format({ timeout_ms = 10000 })
table.insert(out, "first line " .. vim.api.nvim_buf_get_lines(0, 0, 1, false)[1])
vim.fn.writefile(out, vim.env.OUT)
vim.cmd("qa!")
"""


@pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (pip install -e '.[test]' brings it)")
def test_the_documented_init_lua_gives_diagnostics_highlighting_and_formatting(tmp_path):
    init = re.search(r"```lua\n(.*?)```", (ROOT / "docs" / "editors.md").read_text(encoding="utf-8"), re.S).group(1)
    (tmp_path / "init.lua").write_text(init)
    (tmp_path / "probe.lua").write_text(PROBE)
    recipe = tmp_path / "quickstart.ftr"
    text = (ROOT / "recipes" / "quickstart.ftr").read_text().replace("accuracy, f1", "accuracy, rogue")
    recipe.write_text(text)
    line = text[:text.index("rogue")].count("\n") + 1
    col = text.index("rogue") - text.rfind("\n", 0, text.index("rogue"))
    shutil.copytree(ROOT / "recipes" / "data", tmp_path / "data")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data-home"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "RECIPE": str(recipe), "OUT": str(tmp_path / "out.txt"),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    subprocess.run([NVIM, "--headless", "-u", str(tmp_path / "init.lua"), "-c", f"luafile {tmp_path / 'probe.lua'}"],
                   cwd=tmp_path, env=env, capture_output=True, timeout=60)
    out = (tmp_path / "out.txt").read_text().splitlines()
    assert out[:2] == ["filetype ftr", "clients 1"]
    assert f'diagnostic {line}:{col} unknown metric "rogue" | help: did you mean "rouge"?' in out
    assert "token namespace" in out  # `data` coloured as a block keyword
    assert out[-1] == "first line let unused = 1"  # formatted by the server
