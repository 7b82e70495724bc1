-- Highlight groups for `.ced` files (cedc's Neovim runtime directory, editors/neovim).
-- The grammar's queries (queries/ced/highlights.scm) use Helix's capture names where
-- Helix and Neovim differ; these links show them with Neovim's groups. They are
-- defaults: a colour scheme that sets the groups wins. Set again after every
-- `:colorscheme`, which clears them.

local links = {
  ["@namespace.ced"] = "@module",
  ["@constant.numeric.integer.ced"] = "@number",
  ["@constant.builtin.boolean.ced"] = "@boolean",
  ["@constant.character.escape.ced"] = "@string.escape",
  ["@variable.other.member.ced"] = "@property",
  ["@comment.line.documentation.ced"] = "@comment.documentation",
}

local function link()
  for from, to in pairs(links) do
    vim.api.nvim_set_hl(0, from, { link = to, default = true })
  end
end

link()
vim.api.nvim_create_autocmd("ColorScheme", {
  group = vim.api.nvim_create_augroup("ced_highlights", { clear = true }),
  callback = link,
})
