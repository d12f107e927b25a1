function s = ipcf_text(s, name, fname)
%IPCF_TEXT A character row vector (or a string scalar, converted), else ipcf:invalid_argument naming NAME.
if isa(s, 'string') && numel(s) == 1
  s = char(s);
end
if ~ischar(s) || (~isempty(s) && size(s, 1) ~= 1) || ndims(s) > 2
  error('ipcf:invalid_argument', '%s: %s must be a character vector, not a %s of size %s', fname, name, ...
        class(s), mat2str(size(s)));
end
end
