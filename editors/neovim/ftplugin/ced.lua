-- Buffer settings for `.ced` files (cedc's Neovim runtime directory, editors/neovim;
-- see docs/editors.md): the layout `cedc fmt` writes (two spaces, no tabs), `//`
-- comments, indentation by brackets, and tree-sitter highlighting when the `ced`
-- parser is installed.

if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

local bo = vim.bo
bo.commentstring = "// %s"
bo.comments = ":///,://"
bo.expandtab = true
bo.shiftwidth = 2
bo.softtabstop = 2
bo.autoindent = true
bo.smartindent = false
bo.cindent = false
bo.indentexpr = "v:lua.require'cedc.indent'.expr()"
-- Reindent a line when it is opened, and when a closing bracket starts it.
bo.indentkeys = "0},0],0),!^F,o,O"

vim.b.undo_ftplugin = "setlocal commentstring< comments< expandtab< shiftwidth< softtabstop<"
  .. " autoindent< smartindent< cindent< indentexpr< indentkeys<"
  .. " | call v:lua.vim.treesitter.stop()"

-- Highlighting: the grammar's parser (parser/ced.so on 'runtimepath') with the queries
-- of queries/ced/. Without the parser the buffer works, unhighlighted.
local ok, err = pcall(vim.treesitter.start)
if not ok then
  local reason = tostring(err):gsub("^.-:%d+: ", "")
  vim.notify_once(
    "ced: no tree-sitter highlighting: " .. reason .. ". Build parser/ced.so as cedc's docs/editors.md says.",
    vim.log.levels.WARN
  )
end
