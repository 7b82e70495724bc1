-- File type detection for cedc's Neovim runtime directory (editors/neovim): `.ced`
-- files get the file type `ced`, which loads ftplugin/ced.lua, the tree-sitter parser
-- `ced` and the queries in queries/ced/.
vim.filetype.add({ extension = { ced = "ced" } })
