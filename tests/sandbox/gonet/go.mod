module ztrun.test/gonet

go 1.19
