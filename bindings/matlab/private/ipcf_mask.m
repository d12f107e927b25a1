function mask = ipcf_mask(mask)
%IPCF_MASK A mask of an integer class the library does not take (int8,
%   uint32, int64, uint64) as logical: non-zero is computed, as for every
%   class. The one rule for IPCF_PCF and IPCF_PCF_FILE (private).
if isinteger(mask) && isreal(mask) && ~any(strcmp(class(mask), {'uint8', 'uint16', 'int16', 'int32'}))
  mask = mask ~= 0;
end
end
