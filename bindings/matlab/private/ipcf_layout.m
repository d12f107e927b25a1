function code = ipcf_layout(layout, fname)
%IPCF_LAYOUT Map 'tyx' / 'xyt' to the gateway's layout code.
layout = ipcf_text(layout, 'Layout', fname);
switch lower(layout)
  case 'tyx'
    code = 0;
  case 'xyt'
    code = 1;
  otherwise
    error('ipcf:invalid_argument', '%s: Layout ''%s'': want ''tyx'' or ''xyt''', fname, layout);
end
end
