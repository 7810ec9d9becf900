printf 'state = s\nnope = 1\n' > bad.conf
"$COSTCTL" --config bad.conf price --dump
