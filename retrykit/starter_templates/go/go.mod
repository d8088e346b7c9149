module __ADAPTER_NAME__

go 1.18
