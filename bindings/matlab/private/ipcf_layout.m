function code = ipcf_layout(layout, fname)
%IPCF_LAYOUT Map 'tyx' / 'xyt' / 'yxt' to the gateway's layout code (0, 1, 2).
%   'tyx': DATA(t, y, x); 'xyt': DATA(x, y, t); 'yxt': DATA(y, x, t), a stack
%   read with imread (frame k is DATA(:, :, k)). The gateways read each in
%   place through strides (ipcf_mexutil.h, ipcf_mex_stack).
layout = ipcf_text(layout, 'Layout', fname);
switch lower(layout)
  case 'tyx'
    code = 0;
  case 'xyt'
    code = 1;
  case 'yxt'
    code = 2;
  otherwise
    error('ipcf:invalid_argument', '%s: Layout ''%s'': want ''tyx'', ''xyt'' or ''yxt''', fname, layout);
end
end
