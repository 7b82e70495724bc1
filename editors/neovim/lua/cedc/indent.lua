-- 'indentexpr' for `.ced` files (cedc's Neovim runtime directory, editors/neovim):
-- `cedc fmt`'s indentation of brackets. A line is indented one 'shiftwidth' more than
-- the line above when that line leaves a `{`, `[` or `(` open, and one less when it
-- starts with `}`, `]` or `)`. Several brackets opened (or closed) on one line count
-- once, as `cedc fmt` writes `[{` … `}]`. Brackets in strings and comments do not
-- count, and the text of a `"""` string keeps its own indentation.
--
-- Continuation lines (a value on the line after its `=`, the branches of an `if`, a
-- chain broken before its operators) are indented like the line above: `cedc fmt`
-- (formatting on save) gives them their place.

local M = {}

--- Scans one line of code. `in_string`: the line starts inside a `"""` string.
--- Returns the number of closing brackets the line starts with, the brackets opened
--- minus those closed after them, and whether the line ends inside a `"""` string.
local function scan(text, in_string)
  local leading, depth, code = 0, 0, false
  local i, n = 1, #text
  while i <= n do
    if in_string then
      local close = text:find('"""', i, true)
      if not close then
        return leading, depth, true
      end
      i, in_string, code = close + 3, false, true
    elseif text:sub(i, i + 2) == '"""' then
      i, in_string, code = i + 3, true, true
    elseif text:sub(i, i) == '"' then
      i = i + 1
      while i <= n and text:sub(i, i) ~= '"' do
        i = i + (text:sub(i, i) == "\\" and 2 or 1)
      end
      i, code = i + 1, true
    elseif text:sub(i, i + 1) == "//" then
      break
    else
      local c = text:sub(i, i)
      if c == "{" or c == "[" or c == "(" then
        depth, code = depth + 1, true
      elseif c == "}" or c == "]" or c == ")" then
        if code then
          depth = depth - 1
        else
          leading = leading + 1
        end
      elseif not c:match("%s") then
        code = true
      end
      i = i + 1
    end
  end
  return leading, depth, in_string
end

--- The line (1-based) on which the `"""` string holding the start of line `lnum`
--- begins, if it begins on an earlier line. Needs the tree-sitter parser; without it,
--- strings are taken to be one line long.
local function string_start(buf, lnum)
  local parser = vim.treesitter.get_parser(buf, "ced", { error = false })
  if not parser then
    return nil
  end
  local tree = parser:parse()[1]
  if not tree then
    return nil
  end
  local col = #(vim.fn.getline(lnum):match("^%s*"))
  local node = tree:root():descendant_for_range(lnum - 1, col, lnum - 1, col)
  while node do
    if node:type() == "string" then
      local row = node:start()
      return row < lnum - 1 and row + 1 or nil
    end
    node = node:parent()
  end
  return nil
end

--- The indentation of line `lnum` (default: v:lnum), or -1 to keep it.
function M.expr(lnum)
  lnum = lnum or vim.v.lnum
  local buf = vim.api.nvim_get_current_buf()
  if string_start(buf, lnum) then
    return -1
  end
  local prev = vim.fn.prevnonblank(lnum - 1)
  if prev == 0 then
    return 0
  end
  local depth
  local start = string_start(buf, prev)
  if start then
    -- The line above ends a `"""` string: count the brackets around the string, and
    -- indent from the line where it began.
    local _, before = scan(vim.fn.getline(start), false)
    local _, after = scan(vim.fn.getline(prev), true)
    depth, prev = before + after, start
  else
    local _, here = scan(vim.fn.getline(prev), false)
    depth = here
  end
  local sw = vim.fn.shiftwidth()
  local indent = vim.fn.indent(prev)
  if depth > 0 then
    indent = indent + sw
  elseif depth < 0 then
    indent = indent - sw
  end
  if scan(vim.fn.getline(lnum), false) > 0 then
    indent = indent - sw
  end
  return math.max(indent, 0)
end

return M
